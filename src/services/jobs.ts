import { ownedBy, type Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { HttpError, conflict, notFound, unavailable } from '../errors.js';
import { enqueueRun, type TrainQueue } from '../jobs/queue.js';
import type { Job, JobStatus } from '../schemas/job.js';
import type { JobSpec } from '../schemas/job-spec.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../storage/prisma.js';
import { SpecError, type TrainingWarning } from '../training/types.js';
import { checkInPool, checkJobSpec } from './check-job.js';
import { fairState, nextFairTag } from './fair-priority.js';
import { assertMayQueue, assertMayStore, limitsFor, type QuotaLimits } from './quotas.js';
import { DATASET_PATHS } from './deletion.js';
import { lockExclusive, lockShared } from '../storage/locks.js';
import type { DbClient } from '../storage/prisma.js';
import type { HeavyPool } from './heavy-pool.js';
import { isUuid } from './datasets.js';
import { after, newestFirst, toPage } from './pagination.js';
import { withTimeout } from './timeout.js';

/** How long POST /jobs waits for the queue before answering 503 (the queue being down). */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Accepts a job: checks what the schema cannot (datasets, shapes, base model, limits),
 * records the run as `queued`, then enqueues it with `jobId = runId`. If the queue cannot take
 * it, the run is removed again and the caller gets a 503: no job is left stuck in `queued`.
 */
export async function submitJob(
  /** With `heavy`, the spec's model is built in the API's worker-thread pool, not on the event loop. */
  deps: { db: Db; queue: TrainQueue; config: Config; heavy?: HeavyPool },
  who: Principal,
  spec: JobSpec,
  lineage: { retryOf?: string } = {},
): Promise<{ id: string; status: 'queued' }> {
  const { problems, warnings, unknown } = await checkJobSpec(deps.db, deps.config, spec, who, checkInPool(deps.heavy));
  // A reference to nothing the caller may use is a 404, as for any other unknown id.
  if (unknown.length > 0) throw new HttpError(404, 'not_found', `the job spec refers to something that does not exist: ${unknown[0].path}: ${unknown[0].message}`, unknown);
  if (problems.length > 0) throw new SpecError(`the job spec cannot be trained: ${problems[0].path}: ${problems[0].message}`, problems);

  const limits = await limitsFor(deps.db, deps.config, who.tenantId);
  const run = await createFairRun(deps.db, who.tenantId, { name: spec.name ?? null, spec: spec as object, warnings: warnings as object[], retryOf: lineage.retryOf ?? null }, { limits, spec });
  try {
    await withTimeout(enqueueRun(deps.queue, run.id, run.priority), ENQUEUE_TIMEOUT_MS, 'the queue');
  } catch {
    await deps.db.run.delete({ where: { id: run.id } }).catch(() => {});
    throw unavailable('the job queue');
  }
  return { id: run.id, status: 'queued' };
}

/**
 * Records a queued run of the tenant with its fair-scheduling tag; returns its id and the BullMQ
 * priority to enqueue it at (see fair-priority.ts). Every way a run is queued goes through here
 * (POST /jobs, retries, study trials), so none can jump the queue with priority 0.
 *
 * One submission at a time per tenant (an advisory lock), so the fair tag and the quota counts
 * see every earlier one. With `limits`, the tenant's queued-jobs and storage quotas are checked
 * (403 quota_exceeded); with `spec`, the datasets and base model it names are held (see
 * {@link holdReferences}).
 */
export async function createFairRun(
  db: Db,
  tenantId: string,
  data: Omit<Prisma.RunUncheckedCreateInput, 'tenantId' | 'fairTag'>,
  guard: { limits?: QuotaLimits; spec?: JobSpec } = {},
): Promise<{ id: string; priority: number }> {
  return db.$transaction(
    async (tx) => {
      await lockExclusive(tx, 'tenantSubmit', tenantId);
      if (guard.spec) await holdReferences(tx, guard.spec);
      if (guard.limits) {
        await assertMayQueue(tx, guard.limits, tenantId);
        await assertMayStore(tx, guard.limits, tenantId, 0);
      }
      const { tag, priority } = nextFairTag(await fairState(tx, tenantId));
      const run = await tx.run.create({ data: { ...data, tenantId, fairTag: tag }, select: { id: true } });
      return { id: run.id, priority };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

/**
 * Takes the shared lock of every uploaded dataset and the base model the spec uses, and checks
 * they are still there: a DELETE of one of them (which takes its lock exclusively) either
 * finished before, and the job is a 404 here, or waits until this job is recorded and then
 * sees it (409). The spec check above ran without locks.
 */
async function holdReferences(tx: DbClient, spec: JobSpec): Promise<void> {
  const datasets = DATASET_PATHS.map((path) => ({ path: `/${path.join('/')}`, id: path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], spec) }))
    .filter((ref): ref is { path: string; id: string } => typeof ref.id === 'string');
  for (const ref of datasets) {
    await lockShared(tx, 'resource', ref.id);
    if (!(await tx.dataset.findUnique({ where: { id: ref.id }, select: { id: true } }))) {
      throw new HttpError(404, 'not_found', `the job spec refers to something that does not exist: ${ref.path}: dataset ${ref.id} was deleted`, [{ path: ref.path, message: 'deleted' }]);
    }
  }
  if (spec.base) {
    const id = spec.base.modelId;
    await lockShared(tx, 'resource', id);
    if (!(await tx.model.findFirst({ where: { id, deletedAt: null }, select: { id: true } }))) {
      throw new HttpError(404, 'not_found', `the job spec refers to something that does not exist: /base/modelId: model ${id} was deleted`, [{ path: '/base/modelId', message: 'deleted' }]);
    }
  }
}

/**
 * Cancels a job. A queued one ends at once as `cancelled` (and leaves the queue); a running one
 * gets `cancelRequested`, which its worker reads between batches wherever it runs, and ends as
 * `cancelled` with the epochs already done kept. An ended job answers 409.
 */
export async function cancelJob(deps: { db: Db; queue: TrainQueue }, who: Principal, id: string): Promise<{ id: string; status: JobStatus }> {
  if (!isUuid(id)) throw notFound('Job', id);
  const now = new Date();
  const mine = { id, ...ownedBy(who) };
  const queued = await deps.db.run.updateMany({ where: { ...mine, status: 'queued' }, data: { status: 'cancelled', cancelRequested: true, finishedAt: now } });
  if (queued.count === 1) {
    // Best effort: a worker that picks it up anyway sees `cancelled` and skips it.
    await deps.queue.remove(id).catch(() => 0);
    return { id, status: 'cancelled' };
  }
  const running = await deps.db.run.updateMany({ where: { ...mine, status: 'running' }, data: { cancelRequested: true } });
  if (running.count === 1) return { id, status: 'running' };
  const run = await deps.db.run.findFirst({ where: mine, select: { status: true } });
  if (!run) throw notFound('Job', id);
  throw conflict(`job ${id} has already ended (${run.status}); only queued or running jobs can be cancelled`);
}

const jobInclude = {
  epochs: { orderBy: { epoch: 'desc' as const }, take: 1 },
  model: { select: { id: true } },
};

type RunWithLast = NonNullable<Awaited<ReturnType<Db['run']['findUnique']>>> & {
  epochs: Array<{ epoch: number; phase: string; loss: number; accuracy: number | null; valLoss: number | null; valAccuracy: number | null; durationMs: number }>;
  model: { id: string } | null;
};

export function toEpochRow(m: RunWithLast['epochs'][number]) {
  return {
    epoch: m.epoch,
    phase: m.phase as 'train' | 'fine_tune',
    loss: m.loss,
    accuracy: m.accuracy,
    val_loss: m.valLoss,
    val_accuracy: m.valAccuracy,
    durationMs: m.durationMs,
  };
}

function toJob(run: RunWithLast, progress: Job['progress'] = null, withSpec = false): Job {
  const last = run.epochs[0];
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    backend: run.backend,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    error: run.error,
    modelId: run.model?.id ?? null,
    metrics: last ? toEpochRow(last) : null,
    evaluation: (run.evaluation as Job['evaluation']) ?? null,
    warnings: storedWarnings(run.warnings, run.diagnosticWarnings),
    attempts: run.attempts,
    resumedFromEpoch: run.resumedFromEpoch,
    retryOf: run.retryOf,
    progress,
    studyId: run.studyId,
    trial: run.studyId && run.trialIndex !== null ? { index: run.trialIndex, parameters: (run.trialParameters ?? {}) as Record<string, unknown> } : null,
    ...(withSpec ? { spec: run.spec } : {}),
  };
}

export async function getJob(deps: { db: Db; queue: TrainQueue }, who: Principal, id: string): Promise<Job> {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = (await deps.db.run.findFirst({ where: { id, ...ownedBy(who) }, include: jobInclude })) as RunWithLast | null;
  if (!run) throw notFound('Job', id);
  let progress: Job['progress'] = null;
  if (run.status === 'running') {
    const queued = await deps.queue.getJob(id).catch(() => undefined);
    const p = queued?.progress;
    if (p && typeof p === 'object' && 'batch' in p) progress = p as Job['progress'];
  }
  return toJob(run, progress, true);
}

/** Newest first, keyset-paginated (see pagination.ts), optionally by status. */
export async function listJobs(db: Db, who: Principal, query: { status?: JobStatus; name?: string; studyId?: string; limit?: number; cursor?: string }): Promise<{ items: Job[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  if (query.studyId !== undefined && !isUuid(query.studyId)) return { items: [], nextCursor: null };
  const runs = (await db.run.findMany({
    where: {
      ...ownedBy(who),
      ...(query.status ? { status: query.status } : {}),
      ...(query.name ? { name: { contains: query.name, mode: 'insensitive' as const } } : {}),
      ...(query.studyId ? { studyId: query.studyId } : {}),
      ...after(query.cursor),
    },
    orderBy: newestFirst,
    take: limit + 1,
    include: jobInclude,
    // A spec can be large and a listing does not show it.
    omit: { spec: true },
  })) as unknown as RunWithLast[];
  return toPage(runs, limit, (r) => toJob(r));
}

/** Throws 404 unless the job exists and the caller may see it. */
export async function assertJobVisible(db: Db, who: Principal, id: string): Promise<void> {
  if (!isUuid(id) || !(await db.run.findFirst({ where: { id, ...ownedBy(who) }, select: { id: true } }))) throw notFound('Job', id);
}

export async function getMetrics(db: Db, who: Principal, id: string) {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = await db.run.findFirst({ where: { id, ...ownedBy(who) }, select: { id: true, epochs: { orderBy: { epoch: 'asc' } } } });
  if (!run) throw notFound('Job', id);
  return { epochs: run.epochs.map(toEpochRow) };
}

export async function getDiagnostics(db: Db, who: Principal, id: string) {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = await db.run.findFirst({ where: { id, ...ownedBy(who) }, select: { diagnosticWarnings: true, diagnostics: { orderBy: { epoch: 'asc' } } } });
  if (!run) throw notFound('Job', id);
  return {
    epochs: run.diagnostics.map((d) => ({ epoch: d.epoch, layers: d.layers as never })),
    warnings: storedWarnings(run.diagnosticWarnings),
  };
}

/**
 * Stored warnings as served: those recorded before warnings had ids, severities, advice, evidence
 * and fixes get the defaults (id from kind and layer, no fix), so every answer has every field.
 */
export function storedWarnings(...lists: unknown[]): Job['warnings'] {
  return lists.flatMap((list) =>
    (list as Array<Partial<TrainingWarning> & { kind: string; message: string }>).map((w) => ({
      id: w.id ?? `${w.kind}:${w.layer ?? 'model'}`,
      epoch: w.epoch ?? null,
      kind: w.kind,
      layer: w.layer ?? null,
      severity: w.severity ?? 'warning',
      message: w.message,
      advice: w.advice ?? '',
      evidence: w.evidence ?? {},
      fix: (w.fix ?? null) as Job['warnings'][number]['fix'],
    })),
  );
}
