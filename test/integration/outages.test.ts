import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createApiDeps } from '../../src/start/api-deps.js';
import { smallFashionJob, startHarness, waitForJob, type Harness } from '../support/harness.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('PostgreSQL down', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('answers 503 (never 500) and /health names the database', async () => {
    // The API alone on a database nobody listens at; its queue stays the harness's. No key can be
    // looked up there: the open local mode, as a fresh database gives.
    const deadUrl = `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`;
    const deps = await createApiDeps(h.config, { databaseUrl: deadUrl, threads: false, overrides: { authMode: 'until-first-key', backend: { name: 'cpu' } } });
    const app = await buildApp(deps);
    try {
      for (const [method, url, payload] of [
        ['GET', '/jobs', undefined],
        ['GET', '/jobs/7b0c5f0e-0000-4000-8000-000000000000', undefined],
        ['POST', '/jobs', smallFashionJob()],
        ['POST', '/datasets', { name: 'x', features: [[1]], labels: [0] }],
      ] as const) {
        const res = await app.inject({ method, url, ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(503);
        expect(res.json().error).toBe('unavailable');
      }
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode, health.body).toBe(503);
      expect(health.json()).toMatchObject({ db: 'down', queue: 'ok' });
    } finally {
      await app.close();
      await deps.close();
    }
  });
});

// A Redis of our own, so stopping it disturbs nobody else.
const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!haveRedis)('Redis down and back', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let h: Harness;

  async function startRedis() {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true))).on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }
  async function stopRedis() {
    const r = redis;
    if (!r || r.exitCode !== null) return;
    await new Promise((resolve) => (r.once('exit', resolve), r.kill('SIGKILL')));
  }

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    h = await startHarness({ redisUrl: `redis://127.0.0.1:${port}` });
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
    await stopRedis();
  });

  it('a running job finishes through an outage; POST /jobs is a quick 503 that leaves nothing behind; both recover', async () => {
    const running = (
      await h.app.inject({
        method: 'POST',
        url: '/jobs',
        payload: smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 6, batchSize: 16, seed: 5 } }),
      })
    ).json().id;
    const deadline = Date.now() + 60_000;
    while ((await h.db.epochMetric.count({ where: { runId: running } })) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    await stopRedis();
    const runsBefore = await h.db.run.count();
    const started = Date.now();
    const refused = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob() });
    expect(refused.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(await h.db.run.count()).toBe(runsBefore);
    const health = await h.app.inject({ url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ db: 'ok', queue: 'down' });

    await startRedis(); // empty: it kept nothing
    // The training process writes to PostgreSQL, the source of truth: the job completes.
    const job = await waitForJob(h, running, 120_000);
    expect(job.status).toBe('succeeded');
    const metrics = (await h.app.inject({ url: `/jobs/${running}/metrics` })).json();
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);

    // Producer and worker reconnect by themselves.
    let accepted = 0;
    for (let i = 0; i < 50 && accepted !== 201; i++) {
      accepted = (await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ fit: { epochs: 1, batchSize: 32 } }) })).statusCode;
      if (accepted !== 201) await new Promise((r) => setTimeout(r, 200));
    }
    expect(accepted).toBe(201);
    const latest = await h.db.run.findFirst({ orderBy: { createdAt: 'desc' } });
    expect((await waitForJob(h, latest!.id, 60_000)).status).toBe('succeeded');
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
  }, 240_000);
});
