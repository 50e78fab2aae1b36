import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../../src/data/index.js';
import { cancelJob } from '../../src/features/jobs/jobs.js';
import type { Db } from '../../src/infra/db/prisma.js';
import { executeRun, HandBackError, type WorkerContext } from '../../src/worker/execute-run.js';
import { smallFashionJob, startHarness, FIXTURE_DATASETS, type Harness } from '../support/harness.js';
import { OPEN_PRINCIPAL } from '../../src/core/principal.js';

/** Runs of the worker against races with the API and with other attempts, interleaved by hand. */
describe('a run is finished by exactly one attempt, and a cancel always wins', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const { initBackend } = await import('../../src/training/backend/backend.js');
    await initBackend('auto');
  });
  afterAll(async () => h?.close());

  const context = (db: Db, reportProgress: WorkerContext['reportProgress'] = () => {}): WorkerContext => ({
    db,
    cache: new DatasetCache(64 * 2 ** 20),
    backend: 'test',
    datasetsDir: FIXTURE_DATASETS,
    verifyChecksums: false,
    jobTimeoutMs: 60_000,
    checkpointEveryMs: 0,
    reportProgress,
  });

  async function queuedRun(epochs = 3): Promise<string> {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ fit: { epochs, batchSize: 8, seed: 1 } }) });
    const id = res.json().id as string;
    await h.queue.remove(id); // this test plays the worker itself
    return id;
  }

  it('a cancel that lands between the worker reading the run and taking it is not undone', async () => {
    const id = await queuedRun();
    // The worker reads the run as queued; the API cancels it before the worker writes.
    const racing = new Proxy(h.db, {
      get(target, prop) {
        if (prop !== 'run') return Reflect.get(target, prop);
        return new Proxy(target.run, {
          get(run, key) {
            if (key !== 'findUnique') return Reflect.get(run, key);
            return async (args: Parameters<typeof run.findUnique>[0]) => {
              const row = await run.findUnique(args);
              if (args.where.id === id && row?.status === 'queued') await cancelJob({ db: target, queue: h.queue }, OPEN_PRINCIPAL, id);
              return row;
            };
          },
        });
      },
    }) as Db;
    expect(await executeRun(context(racing), id)).toBe('skipped');
    const run = await h.db.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe('cancelled');
    expect(run.attempts).toBe(0);
    expect(run.startedAt).toBeNull();
  });

  it('an attempt that lost the run to a newer one stops within a second and writes no outcome', async () => {
    const id = await queuedRun(30); // long enough for its heartbeat to notice
    const started = Date.now();
    let takenOver = false;
    const ctx = context(h.db, () => {
      if (takenOver) return;
      takenOver = true;
      // Another worker picked the run up (this one's queue lock expired).
      // (Prisma queries run only once awaited or then'd.)
      h.db.run.update({ where: { id }, data: { attempts: { increment: 1 } } }).then(
        () => {},
        () => {},
      );
    });
    await expect(executeRun(ctx, id)).rejects.toBeInstanceOf(HandBackError);
    expect(Date.now() - started).toBeLessThan(10_000);
    const run = await h.db.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe('running');
    expect(await h.db.model.count({ where: { jobId: id } })).toBe(0);
  });

  it('a cancel asked while the run trains ends it as cancelled, with no model', async () => {
    const id = await queuedRun();
    let asked = false;
    const ctx = context(h.db, () => {
      if (asked) return;
      asked = true;
      void cancelJob({ db: h.db, queue: h.queue }, OPEN_PRINCIPAL, id);
    });
    expect(await executeRun(ctx, id)).toBe('cancelled');
    expect((await h.db.run.findUniqueOrThrow({ where: { id } })).status).toBe('cancelled');
    expect(await h.db.model.count({ where: { jobId: id } })).toBe(0);
  });
});
