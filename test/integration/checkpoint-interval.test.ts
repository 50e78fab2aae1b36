import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../../src/data/index.js';
import { executeRun } from '../../src/worker/execute-run.js';
import { smallFashionJob, startHarness, FIXTURE_DATASETS, type Harness } from '../support/harness.js';

/** CHECKPOINT_EVERY_S as the worker applies it: how many checkpoints a run stores. */
describe('a run stores checkpoints by time, not after every epoch', () => {
  let h: Harness;
  let schema: string;
  beforeAll(async () => {
    h = await startHarness();
    schema = h.env.DATABASE_SCHEMA;
    // Every insert or update of a checkpoint row leaves a line here (a run has one row, overwritten).
    await h.db.$executeRawUnsafe(`CREATE TABLE "${schema}".checkpoint_writes ("runId" uuid NOT NULL)`);
    await h.db.$executeRawUnsafe(
      `CREATE FUNCTION "${schema}".count_checkpoint_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "${schema}".checkpoint_writes VALUES (NEW."runId"); RETURN NEW; END $$`,
    );
    await h.db.$executeRawUnsafe(
      `CREATE TRIGGER count_writes AFTER INSERT OR UPDATE ON "${schema}"."Checkpoint" FOR EACH ROW EXECUTE FUNCTION "${schema}".count_checkpoint_write()`,
    );
    const { initBackend } = await import('../../src/training/backend/backend.js');
    await initBackend('auto');
  });
  afterAll(async () => h?.close());

  /** Trains a queued 3-epoch run as a worker would; returns the checkpoints it stored. */
  async function train(checkpointEveryMs: number): Promise<number> {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ fit: { epochs: 3, batchSize: 8, seed: 1 } }) });
    const id = res.json().id as string;
    await h.queue.remove(id); // this test plays the worker itself
    // Counted by the database (a trigger), so every path that writes a checkpoint is seen.
    const ctx = {
      db: h.db,
      cache: new DatasetCache(64 * 2 ** 20),
      backend: 'test',
      datasetsDir: FIXTURE_DATASETS,
      verifyChecksums: false,
      jobTimeoutMs: 60_000,
      checkpointEveryMs,
      reportProgress: () => {},
    };
    expect(await executeRun(ctx, id)).toBe('succeeded');
    expect(await h.db.epochMetric.count({ where: { runId: id } })).toBe(3);
    const [{ n }] = await h.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${schema}".checkpoint_writes WHERE "runId" = $1::uuid`, id);
    return n;
  }

  it('0: one after every epoch', async () => {
    expect(await train(0)).toBe(3);
  }, 60_000);

  it('a minute: none for a run of a few seconds (each would cost more than redoing it)', async () => {
    expect(await train(60_000)).toBe(0);
  }, 60_000);
});
