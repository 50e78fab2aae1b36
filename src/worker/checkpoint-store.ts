import type { Checkpoint } from '../training/loop/checkpoint.js';
import type { Db, DbClient } from '../infra/db/prisma.js';

/** Keeps the latest checkpoint of a run (one row per run, overwritten each epoch). */
export async function saveCheckpoint(db: Db, runId: string, cp: Checkpoint): Promise<void> {
  const data = {
    epoch: cp.epoch,
    phase: cp.phase,
    phaseStart: cp.phaseStart,
    modelSpecs: cp.model.specs as object[],
    modelData: new Uint8Array(cp.model.data),
    optimizerSpecs: cp.optimizer.specs as object[],
    optimizerData: new Uint8Array(cp.optimizer.data),
    // Counted against the tenant's storage quota while the job runs.
    sizeBytes: cp.model.data.byteLength + cp.optimizer.data.byteLength,
  };
  await db.checkpoint.upsert({ where: { runId }, create: { runId, ...data }, update: data });
}

export async function loadCheckpoint(db: Db, runId: string): Promise<Checkpoint | null> {
  const row = await db.checkpoint.findUnique({ where: { runId } });
  if (!row) return null;
  return {
    epoch: row.epoch,
    phase: row.phase as Checkpoint['phase'],
    phaseStart: row.phaseStart,
    model: { specs: row.modelSpecs as never, data: row.modelData },
    optimizer: { specs: row.optimizerSpecs as never, data: row.optimizerData },
  };
}

export async function deleteCheckpoint(db: DbClient, runId: string): Promise<void> {
  await db.checkpoint.deleteMany({ where: { runId } });
}
