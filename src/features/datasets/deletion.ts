import { ownedBy, type Principal } from '../../core/principal.js';
import { conflict, notFound } from '../../core/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { TrainQueue } from '../../infra/queue/train-queue.js';
import { lockExclusive } from '../../infra/db/locks.js';
import type { Db, DbClient } from '../../infra/db/prisma.js';
import { isUuid } from '../../core/ids.js';

const ACTIVE = ['queued', 'running'] as const;

/** The JSON paths in a job spec that name an uploaded dataset. */
export const DATASET_PATHS = [
  ['dataset', 'id'],
  ['validation', 'dataset', 'id'],
  ['evaluate', 'dataset', 'id'],
];

/**
 * Deletes an ended job with its metrics, diagnostics and checkpoint (the rows cascade). Its
 * model, if it made one, stays (its `jobId` becomes null): a model is deleted on its own.
 * 409 while the job is queued or running. Returns the bytes freed (its checkpoint, if any).
 */
export async function deleteJob(deps: { db: Db; queue: TrainQueue }, who: Principal, id: string): Promise<{ freedBytes: number }> {
  if (!isUuid(id)) throw notFound('Job', id);
  const result = await deps.db.$transaction(async (tx) => {
    const run = await tx.run.findFirst({ where: { id, ...ownedBy(who) }, select: { status: true, checkpoint: { select: { sizeBytes: true } } } });
    if (!run) throw notFound('Job', id);
    if ((ACTIVE as readonly string[]).includes(run.status)) {
      throw conflict(`job ${id} is ${run.status}; cancel it first (POST /jobs/${id}/cancel), then delete it once it has ended`);
    }
    // The status is checked again in the delete itself: a retry cannot revive an ended run, but be exact.
    const deleted = await tx.run.deleteMany({ where: { id, status: { notIn: [...ACTIVE] } } });
    if (deleted.count !== 1) throw conflict(`job ${id} changed while being deleted; try again`);
    return { freedBytes: run.checkpoint?.sizeBytes ?? 0 };
  });
  // Its queue entry (kept for a while after it ended) goes too; the queue may be down, that is fine.
  await deps.queue.remove(id).catch(() => 0);
  return result;
}

/** The first queued or running job whose spec names the dataset (training, validation or evaluation data). */
async function jobUsingDataset(db: DbClient, id: string): Promise<string | null> {
  const run = await db.run.findFirst({
    where: { status: { in: [...ACTIVE] }, OR: DATASET_PATHS.map((path) => ({ spec: { path, equals: id } })) },
    select: { id: true },
  });
  return run?.id ?? null;
}

/**
 * Deletes an uploaded dataset and its samples; 409 while a queued or running job uses it.
 * Under the dataset's exclusive lock, which job submissions take shared (`createFairRun`),
 * so no job can be accepted on a dataset between this check and the delete.
 */
export async function deleteDataset(db: Db, who: Principal, id: string): Promise<{ freedBytes: number }> {
  if (!isUuid(id)) throw notFound('Dataset', id);
  return db.$transaction(async (tx) => {
    await lockExclusive(tx, 'resource', id);
    const row = await tx.dataset.findFirst({ where: { id, ...ownedBy(who) }, select: { sizeBytes: true } });
    if (!row) throw notFound('Dataset', id);
    const user = await jobUsingDataset(tx, id);
    if (user) throw conflict(`dataset ${id} is used by job ${user}, which is queued or running; delete the dataset once that job has ended`);
    await tx.dataset.delete({ where: { id } });
    return { freedBytes: row.sizeBytes };
  });
}

/**
 * Deletes a model's weights, model.json and shares; 409 while a queued or running job uses it
 * as a base. The row stays as a tombstone (id, name, version, summary, lineage; no bytes), so
 * models built on it still say where they came from; every read of it is a 404 and it can no
 * longer be a base. Only its own tenant (or an admin) deletes it, not a tenant it is shared with.
 */
export async function deleteModel(db: Db, who: Principal, id: string): Promise<{ freedBytes: number }> {
  if (!isUuid(id)) throw notFound('Model', id);
  return db.$transaction(async (tx) => {
    await lockExclusive(tx, 'resource', id);
    const row = await tx.model.findFirst({ where: { id, ...ownedBy(who), deletedAt: null }, select: { sizeBytes: true } });
    if (!row) throw notFound('Model', id);
    const user = await tx.run.findFirst({ where: { status: { in: [...ACTIVE] }, spec: { path: ['base', 'modelId'], equals: id } }, select: { id: true } });
    if (user) throw conflict(`model ${id} is the base of job ${user.id}, which is queued or running; delete the model once that job has ended`);
    await tx.modelShare.deleteMany({ where: { modelId: id } });
    await tx.model.update({
      where: { id },
      data: { deletedAt: new Date(), weights: new Uint8Array(0), modelJson: {}, preprocessing: Prisma.DbNull, sizeBytes: 0 },
    });
    return { freedBytes: row.sizeBytes };
  });
}
