/**
 * A database outage while a job trains. The training process retries its
 * writes with backoff; the job pauses through the outage and ends `succeeded` with every epoch
 * exactly once, instead of failing for good at attempt 1 with the driver's text.
 * And a database that refuses new sessions (ALLOW_CONNECTIONS false, SQLSTATE 55000) for longer
 * than the workers wait (DB_RETRY_S): the API answers 503, jobs go back to the queue without
 * spending attempts, and no driver text reaches anyone.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';
import { bearer } from '../support/tenants.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createPrisma } from '../../src/infra/db/prisma.js';
import { inPgTransaction } from '../../src/infra/db/pg-transaction.js';

// The queue must stay up while PostgreSQL is away, so this runs on Redis.
describe.skipIf(!process.env.REDIS_URL)('PostgreSQL outage while a job trains', () => {
  let h: Harness;
  let proxy: TcpProxy;

  beforeAll(async () => {
    h = await startHarness({ redisUrl: process.env.REDIS_URL });
    const target = new URL(h.env.DATABASE_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    // Only the worker (and its training process) reaches the database through the proxy.
    await h.startWorker({ DATABASE_URL: viaProxy(h.env.DATABASE_URL, proxy) });
  }, 90_000);
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  it('pauses through a 10 s outage and succeeds with each epoch once', async () => {
    const spec = smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train', limit: 600, seed: 1 }, fit: { epochs: 4, batchSize: 8, seed: 3 } });
    const id = (await h.app.inject({ method: 'POST', url: '/jobs', payload: spec })).json().id;
    const deadline = Date.now() + 120_000;
    while ((await h.db.epochMetric.count({ where: { runId: id } })) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    proxy.cut();
    await new Promise((r) => setTimeout(r, 10_000));
    proxy.restore();

    const job = await waitForJob(h, id, 180_000);
    expect(job.status, job.error).toBe('succeeded');
    const metrics = (await h.app.inject({ url: `/jobs/${id}/metrics` })).json();
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4]);
  }, 300_000);

  it("a worker client's pg transaction (how a trained model is stored) waits out an outage; the API's fails at once", async () => {
    const url = viaProxy(h.env.DATABASE_URL, proxy);
    const worker = createPrisma(url, h.env.DATABASE_SCHEMA, { retryForMs: 30_000 });
    const api = createPrisma(url, h.env.DATABASE_SCHEMA);
    const answer = (db: typeof worker) => inPgTransaction(db, async (client) => (await client.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0].n);
    try {
      expect(await answer(worker)).toBe(42);
      expect(await answer(api)).toBe(42);
      proxy.cut();
      await expect(answer(api)).rejects.toThrow();
      const restore = setTimeout(() => proxy.restore(), 2_000);
      const started = Date.now();
      expect(await answer(worker)).toBe(42);
      clearTimeout(restore);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    } finally {
      proxy.restore();
      await Promise.all([worker.$disconnect(), api.$disconnect()]);
    }
  }, 60_000);
});

describe.skipIf(!process.env.REDIS_URL)('PostgreSQL refusing new sessions for longer than DB_RETRY_S', () => {
  // A database of this test's own: closing it to new sessions must not lock out the other files.
  const dbName = `outage_${randomUUID().slice(0, 8)}`;
  const adminKey = 'outage-test-admin-key-0123456789';
  const asAdmin = { headers: bearer(adminKey) };
  let admin: pg.Client;
  let h: Harness;

  const allowSessions = async (allow: boolean) => {
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${allow}`);
    // What is open stays open otherwise: end it, as a restart would.
    if (!allow) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${dbName}`;
    // ADMIN_API_KEY is checked without the database, so the routes' own reads are reached too.
    h = await startHarness({ redisUrl: process.env.REDIS_URL, databaseUrl: url.toString(), env: { DB_RETRY_S: '2', ADMIN_API_KEY: adminKey } });
    await h.startWorker();
  }, 90_000);
  afterAll(async () => {
    await allowSessions(true).catch(() => {});
    await h?.close();
    await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin?.end();
  });

  it('answers 503 with Retry-After meanwhile; the running and the queued jobs all succeed after it, no attempt spent', async () => {
    const storedKey = (
      await h.app.inject({ method: 'POST', url: '/admin/keys', ...asAdmin, payload: { tenantId: '00000000-0000-0000-0000-000000000001', role: 'member' } })
    ).json().key as string;
    const submit = async (fit: object) =>
      (await h.app.inject({ method: 'POST', url: '/jobs', ...asAdmin, payload: smallFashionJob({ fit }) })).json().id as string;
    // Short epochs: the running job writes one while the database is away, whatever the machine's speed.
    const running = await submit({ epochs: 20, batchSize: 32, seed: 3 });
    const queued = [await submit({ epochs: 1, batchSize: 32 }), await submit({ epochs: 1, batchSize: 32 })];
    const deadline = Date.now() + 120_000;
    while ((await h.db.epochMetric.count({ where: { runId: running } })) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    await allowSessions(false);
    const outageStarted = Date.now();
    const bodies: string[] = [];
    for (const [method, url, headers, payload] of [
      ['GET', `/jobs/${running}`, asAdmin.headers, undefined],
      ['POST', '/jobs', asAdmin.headers, smallFashionJob()],
      ['GET', `/jobs/${running}/events`, asAdmin.headers, undefined],
      // The stored key's check is the first read of this one.
      ['GET', '/jobs', bearer(storedKey), undefined],
    ] as const) {
      const res = await h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(503);
      expect(res.headers['retry-after'], `${method} ${url}`).toBeDefined();
      expect(res.json().error).toBe('unavailable');
      bodies.push(res.body);
    }
    // Longer than DB_RETRY_S several times over: the training process gives the running job back,
    // and the worker takes the queued ones, each of which waits DB_RETRY_S and goes back too.
    await new Promise((r) => setTimeout(r, Math.max(0, 8_000 - (Date.now() - outageStarted))));
    await allowSessions(true);

    for (const id of [running, ...queued]) {
      const job = await waitForJob(h, id, 120_000, asAdmin.headers);
      bodies.push(JSON.stringify(job));
      expect(job.status, `${id}: ${job.error}`).toBe('succeeded');
      // One attempt, or two for the running job if it was given back and resumed from its checkpoint.
      if (id === running) expect(job.attempts).toBeLessThanOrEqual(2);
      else expect(job.attempts).toBe(1);
      // The queue counts no failed attempt: only the one that succeeded (once the worker has
      // told the queue, a moment after the run's row).
      await waitUntil(async () => (await h.queue.getJob(id))?.finishedOn !== undefined, 10_000);
      expect((await h.queue.getJob(id))?.attemptsMade).toBe(1);
    }
    const metrics = (await h.app.inject({ url: `/jobs/${running}/metrics`, ...asAdmin })).json();
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const errors = (await h.db.run.findMany({ select: { error: true } })).map((r) => r.error);
    for (const text of [...bodies, ...errors]) {
      expect(text ?? '').not.toMatch(/Database error|\b55000\b|accepting connections/);
    }
  }, 240_000);
});
