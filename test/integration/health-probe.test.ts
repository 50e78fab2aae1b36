import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createDbProbe } from '../../src/infra/db/db-probe.js';
import { createApiDeps } from '../../src/start/api-deps.js';
import { startHarness, type Harness } from '../support/harness.js';

/** GET /health asks the database on a connection of its own (src/infra/db/db-probe.ts). */
describe('/health while the request pool is busy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.app.inject({ url: '/health' }); // connections opened, unmeasured
  });
  afterAll(async () => h?.close());

  it('answers at once while every connection of the pool is held by slow queries', async () => {
    // The pool has 10 connections: 12 four-second queries hold all of them, two waiting.
    // (Promise.all starts them: a Prisma query runs only once something awaits it.)
    const queries = Array.from({ length: 12 }, () => h.db.$queryRaw`SELECT pg_sleep(4)::text`);
    let firstQueryDone = Infinity;
    const holding = Promise.all(queries.map((q) => q.then(() => (firstQueryDone = Math.min(firstQueryDone, performance.now())))));
    await new Promise((r) => setTimeout(r, 200));
    const health = await h.app.inject({ url: '/health' });
    const healthDone = performance.now();
    await holding;
    expect(health.statusCode, health.body).toBe(200);
    expect(health.json().db).toBe('ok');
    // Through the pool it would wait for a connection until a slow query ends; on its own
    // connection it answers while they all still run (an order, not a timing: a busy machine
    // slows both sides).
    expect(healthDone).toBeLessThan(firstQueryDone);
  }, 30_000);

  it('reports the database down when its own connection cannot reach it', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const deadProbe = createDbProbe(`postgresql://postgres@127.0.0.1:${port}/postgres`);
    const deps = await createApiDeps(h.config, { threads: false, overrides: { checkDb: () => deadProbe.check(), backend: { name: 'cpu' } } });
    const app = await buildApp(deps);
    try {
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ db: 'down', queue: 'ok' });
      expect(health.body).not.toMatch(/127\.0\.0\.1|ECONN/);
    } finally {
      await app.close();
      await deps.close();
      await deadProbe.close();
    }
  });
});
