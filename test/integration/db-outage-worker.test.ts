/**
 * Issue 9, case 4: a database outage while a job trains. The training process retries its
 * writes with backoff; the job pauses through the outage and ends `succeeded` with every epoch
 * exactly once, instead of failing for good at attempt 1 with the driver's text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFashionJob, startHarness, waitForJob, type Harness } from '../support/harness.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createPrisma } from '../../src/storage/prisma.js';
import { inPgTransaction } from '../../src/storage/pg-transaction.js';

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
