import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainWorker, type TrainWorker } from '../../src/infra/queue/train-queue.js';
import { scrape } from '../../src/infra/metrics.js';
import { reconcileRuns } from '../../src/features/jobs/reconciler.js';
import { smallFashionJob, startHarness, waitUntil, type Harness } from '../support/harness.js';

async function failedCount(): Promise<number> {
  const line = (await scrape()).body.split('\n').find((l) => l.startsWith('training_jobs_total{status="failed"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('a job the queue gave up on, with no worker left to end its run', () => {
  let h: Harness;
  let worker: TrainWorker | undefined;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await worker?.close();
    await h?.close();
  });

  it('is ended failed by the reconciler and counted in training_jobs_total once', async () => {
    await h.queue.pause();
    const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob() });
    expect(res.statusCode).toBe(201);
    const id: string = res.json().id;
    // Its queue entry fails for good, as when the last attempt's worker died before ending the run.
    await h.queue.remove(id);
    await h.queue.add('train', { runId: id }, { jobId: id, attempts: 1 });
    const settings = { name: h.config.QUEUE_NAME, databaseUrl: h.env.DATABASE_URL, queueSchema: `${h.env.DATABASE_SCHEMA}_bullmq` };
    worker = createTrainWorker(settings, async () => {
      throw new Error('the training process was killed');
    });
    await h.queue.resume();
    await waitUntil(async () => (await (await h.queue.getJob(id))?.getState()) === 'failed');
    await worker.close();
    worker = undefined;
    expect((await h.db.run.findUniqueOrThrow({ where: { id } })).status).toBe('queued');

    const before = await failedCount();
    expect(await reconcileRuns(h, Date.now() + 60_000)).toEqual([]);
    const run = await h.db.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/the training process was killed/);
    expect(await failedCount()).toBe(before + 1);
    // Already ended: a second round neither changes it nor counts it again.
    await reconcileRuns(h, Date.now() + 60_000);
    expect(await failedCount()).toBe(before + 1);
  });
});
