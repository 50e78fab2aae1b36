import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRuns } from '../../src/features/jobs/reconciler.js';
import { smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from './harness.js';

async function submit(h: Harness, spec: unknown): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: spec as object });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** Which of `workers` took job `id`: the one whose log says it started it. */
async function takerOf(h: Harness, workers: ChildProcess[], id: string): Promise<ChildProcess> {
  const took = (w: ChildProcess) =>
    h
      .workerOutput(w)
      .split('\n')
      .some((line) => line.includes('"msg":"job started"') && line.includes(`"jobId":"${id}"`));
  await waitUntil(async () => workers.some(took));
  return workers.find(took)!;
}

/**
 * Crash and lost-entry recovery on one queue backend. Each backend's run is its own test file
 * (resilience-postgres, resilience-redis), so the two overlap when the suite runs files side by side.
 * Two workers run from the start: the one that takes a job is stopped, and the other, already up,
 * resumes it. Their lock lasts 4 s (WORKER_LOCK_S, 15 s by default), so a killed worker's job is
 * free again within seconds; a renewal every 2 s still has seconds to spare on a busy machine.
 */
export function resilienceSuite({ name, redisUrl }: { name: string; redisUrl?: string }): void {
  describe(`jobs survive crashes and lost queue entries (${name} queue)`, () => {
    let h: Harness;
    // The workers alive now; a test that stops one takes it out.
    let workers: ChildProcess[] = [];
    beforeAll(async () => {
      h = await startHarness({ redisUrl, env: { WORKER_LOCK_S: '4' } });
      workers = await Promise.all([h.startWorker(), h.startWorker()]);
    });
    afterAll(async () => h?.close());

    it('a worker killed with SIGKILL mid-training loses no job: another resumes it from its checkpoint, each epoch recorded once', async () => {
      // Short (4 epochs of 30 batches), so the two files cost CI less; an epoch is still seconds
      // of work left after the first checkpoint, when the worker is stopped.
      const epochs = 4;
      const id = await submit(h, smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs, batchSize: 32, seed: 3 } }));
      const first = await takerOf(h, workers, id);
      // An epoch is done and its checkpoint stored (it is written just after the metrics row).
      await waitUntil(async () => (await h.db.checkpoint.count({ where: { runId: id } })) >= 1);
      first.kill('SIGKILL');
      const killedAt = Date.now();
      workers = workers.filter((w) => w !== first);

      const job = await waitForJob(h, id, 150_000);
      const recoveredMs = Date.now() - killedAt;
      expect(job.status).toBe('succeeded');
      expect(job.attempts).toBeGreaterThanOrEqual(2);
      // It went on from the checkpoint of the last epoch the killed worker finished.
      expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(1);
      // The checkpoint is deleted just after the run is marked (a statement later): wait for it.
      await waitUntil(async () => (await h.db.checkpoint.count({ where: { runId: id } })) === 0, 10_000);
      const metrics = (await h.app.inject({ url: `/jobs/${id}/metrics` })).json();
      expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      console.log(`recovery after SIGKILL (${redisUrl ? 'redis' : 'postgres'} queue): job succeeded ${recoveredMs} ms after the kill`);
    }, 200_000);

    it('SIGTERM hands the running job back at once: another worker resumes it without waiting for a lock to expire', async () => {
      workers.push(await h.startWorker());
      // Short (4 epochs of 30 batches), so the two files cost CI less; an epoch is still seconds
      // of work left after the first checkpoint, when the worker is stopped.
      const epochs = 4;
      const id = await submit(h, smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs, batchSize: 32, seed: 4 } }));
      const leaving = await takerOf(h, workers, id);
      // An epoch is done and its checkpoint stored (it is written just after the metrics row).
      await waitUntil(async () => (await h.db.checkpoint.count({ where: { runId: id } })) >= 1);
      const exited = new Promise((resolve) => leaving.once('exit', resolve));
      const stoppedAt = Date.now();
      leaving.kill('SIGTERM');
      await exited;
      workers = workers.filter((w) => w !== leaving);
      // The run is still someone's to finish, not failed or lost.
      expect((await h.db.run.findUnique({ where: { id } }))?.status).toBe('running');
      const job = await waitForJob(h, id, 120_000);
      expect(job.status).toBe('succeeded');
      expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(1);
      const metrics = (await h.app.inject({ url: `/jobs/${id}/metrics` })).json();
      expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      const tookMs = Date.now() - stoppedAt;
      console.log(`hand-back after SIGTERM: job succeeded ${tookMs} ms after the signal`);
    }, 200_000);

    it('a run whose queue entry was lost is put back on the queue and trained', async () => {
      // Paused, the queue keeps the entry away from the worker while we lose it.
      await h.queue.pause();
      try {
        const id = await submit(h, smallFashionJob({ fit: { epochs: 1, batchSize: 32 } }));
        expect(await h.queue.remove(id)).toBe(1);
        expect(await h.queue.getJob(id)).toBeUndefined();
        expect(await reconcileRuns(h, Date.now())).toEqual([]); // too young to be called lost
        expect(await reconcileRuns(h, Date.now() + 60_000)).toEqual([id]);
        expect(await h.queue.getJob(id)).toBeDefined();
        await h.queue.resume();
        expect((await waitForJob(h, id)).status).toBe('succeeded');
      } finally {
        await h.queue.resume();
      }
    });

    it('20 jobs in a row through one worker leave its tensor count at the baseline', async () => {
      expect(workers).toHaveLength(1);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(
          await submit(
            h,
            smallFashionJob({
              dataset: { builtin: 'fashion-mnist', limit: 64, seed: i },
              validation: { split: 0.25 },
              evaluate: undefined,
              fit: { epochs: 1, batchSize: 32, seed: i },
            }),
          ),
        );
      }
      for (const id of ids) expect((await waitForJob(h, id)).status).toBe('succeeded');
      const reports = await Promise.all(
        ids.map(async (id) => (await h.queue.getJob(id))?.returnvalue as { numTensors: number; rssBytes: number; outcome: string }),
      );
      expect(reports.every((r) => r?.outcome === 'succeeded')).toBe(true);
      const tensors = reports.map((r) => r.numTensors);
      expect(new Set(tensors.slice(1)).size).toBe(1);
      expect(tensors[tensors.length - 1]).toBeLessThanOrEqual(tensors[1]);
      const rssGrowthMb = (reports[reports.length - 1].rssBytes - reports[1].rssBytes) / 2 ** 20;
      console.log(
        `memory over 20 jobs: numTensors ${tensors[0]} after job 1, ${tensors[tensors.length - 1]} after job 20; RSS growth jobs 2-20: ${rssGrowthMb.toFixed(1)} MB`,
      );
      expect(rssGrowthMb).toBeLessThan(100);
    }, 300_000);
  });
}
