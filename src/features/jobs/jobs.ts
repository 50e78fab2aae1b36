import { ownedBy, type Principal } from '../../core/principal.js';
import type { Config } from '../../infra/config.js';
import { ServiceError, conflict, notFound, unavailable } from '../../core/errors.js';
import { enqueueRun, type TrainQueue } from '../../infra/queue/train-queue.js';
import type { Job, JobStatus } from '../../schemas/job.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Db } from '../../infra/db/prisma.js';
import { type TrainingWarning } from '../../core/run-types.js';
import { SpecError } from '../../core/problems.js';
import { checkInPool, checkJobSpec } from './model-check.js';
import { createFairRun } from './record-run.js';
import type { ThreadPool } from '../../threads/pool.js';
import { isUuid } from '../../core/ids.js';
import { readJob, readJobPage, type JobRow } from './job-reads.js';
import { toPage } from '../../infra/db/pagination.js';
import { withTimeout } from '../../infra/concurrency/timeout.js';
import { sharedReadsPerClient } from '../../infra/concurrency/single-flight.js';
import { safeRunError } from '../../infra/db/run-error.js';
import { pickSeed } from '../../core/random.js';

/** How long POST /jobs waits for the queue before answering 503 (the queue being down). */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Accepts a job: checks what the schema cannot (datasets, shapes, base model, limits),
 * records the run as `queued`, then enqueues it with `jobId = runId`. If the queue cannot take
 * it, the run is removed again and the caller gets a 503: no job is left stuck in `queued`.
 */
export async function submitJob(
  /** With `heavy`, the spec's model is built in the API's worker-thread pool, not on the event loop. */
  deps: { db: Db; queue: TrainQueue; config: Config; threads?: ThreadPool },
  who: Principal,
  spec: JobSpec,
  /** `audit`: write the audit row of the creation with the run (POST /jobs). */
  opts: { retryOf?: string; audit?: boolean } = {},
): Promise<{ id: string; status: 'queued' }> {
  spec = withSeed(spec);
  const { problems, warnings, unknown } = await checkJobSpec(deps.db, deps.config, spec, who, checkInPool(deps.threads));
  // A reference to nothing the caller may use is a 404, as for any other unknown id.
  if (unknown.length > 0)
    throw new ServiceError('not_found', `the job spec refers to something that does not exist: ${unknown[0].path}: ${unknown[0].message}`, unknown);
  if (problems.length > 0) throw new SpecError(`the job spec cannot be trained: ${problems[0].path}: ${problems[0].message}`, problems);

  const run = await createFairRun(
    deps.db,
    who.tenantId,
    { name: spec.name ?? null, spec: spec as object, warnings: warnings as object[], retryOf: opts.retryOf ?? null },
    { quotas: deps.config, spec, ...(opts.audit ? { audit: who } : {}) },
  );
  try {
    await withTimeout(enqueueRun(deps.queue, run.id, run.priority), ENQUEUE_TIMEOUT_MS, 'the queue');
  } catch {
    // Not created after all: neither the run nor its audit row stays.
    await deps.db.run.delete({ where: { id: run.id } }).catch(() => {});
    if (opts.audit) await deps.db.auditEvent.deleteMany({ where: { resource: 'job', resourceId: run.id, action: 'create' } }).catch(() => {});
    throw unavailable('the job queue');
  }
  return { id: run.id, status: 'queued' };
}

/**
 * The spec with a seed: one the service picks when the spec has none, stored in the spec's own
 * `fit.seed` so every random choice of the run derives from it and a replay repeats them.
 */
export function withSeed(spec: JobSpec): JobSpec {
  if (spec.fit.seed !== undefined) return spec;
  return { ...spec, fit: { ...spec.fit, seed: pickSeed() } };
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

/** One epoch's row as the API shows it (Keras history keys). */
export function toEpochRow(m: {
  epoch: number;
  phase: string;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  durationMs: number;
}) {
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

function toJob(run: JobRow, progress: Job['progress'] = null): Job {
  const last = run.epoch === null ? null : toEpochRow(run as JobRow & { epoch: number; phase: string; loss: number; durationMs: number });
  return {
    id: run.id,
    name: run.name,
    status: run.status as JobStatus,
    backend: run.backend,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    // Rows written before errors were kept free of the database layer's text are cleaned here.
    error: safeRunError(run.error),
    modelId: run.modelId,
    metrics: last,
    evaluation: (run.evaluation as Job['evaluation']) ?? null,
    warnings: storedWarnings(run.warnings, run.diagnosticWarnings),
    attempts: run.attempts,
    resumedFromEpoch: run.resumedFromEpoch,
    retryOf: run.retryOf,
    progress,
    studyId: run.studyId,
    trial: run.studyId && run.trialIndex !== null ? { index: run.trialIndex, parameters: (run.trialParameters ?? {}) as Record<string, unknown> } : null,
    ...(run.spec !== undefined ? { spec: run.spec as Job['spec'] } : {}),
    seed: typeof run.seed === 'number' ? run.seed : null,
    environment: (run.environment as Job['environment']) ?? null,
    backendDetail: (run.environment as Job['environment'])?.backendDetail ?? null,
  };
}

export async function getJob(deps: { db: Db; queue: TrainQueue; config: Pick<Config, 'DATABASE_SCHEMA'> }, who: Principal, id: string): Promise<Job> {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = await readJob(deps.db, deps.config.DATABASE_SCHEMA, id, ownedBy(who).tenantId);
  if (!run) throw notFound('Job', id);
  let progress: Job['progress'] = null;
  if (run.status === 'running') {
    const queued = await deps.queue.getJob(id).catch(() => undefined);
    const p = queued?.progress;
    if (p && typeof p === 'object' && 'batch' in p) progress = p as Job['progress'];
  }
  return toJob(run, progress);
}

/** Newest first, keyset-paginated (see `toPage`), optionally by status, name or study. */
export async function listJobs(
  deps: { db: Db; config: Pick<Config, 'DATABASE_SCHEMA'> },
  who: Principal,
  query: { status?: JobStatus; name?: string; studyId?: string; limit?: number; cursor?: string },
): Promise<{ items: Job[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  if (query.studyId !== undefined && !isUuid(query.studyId)) return { items: [], nextCursor: null };
  const runs = await readJobPage(deps.db, deps.config.DATABASE_SCHEMA, { ...query, tenantId: ownedBy(who).tenantId }, limit + 1);
  return toPage(runs, limit, (r) => toJob(r));
}

/** Throws 404 unless the job exists and the caller may see it. */
/**
 * Checks of the same job for the same tenant made at the same time share one read: 500 event
 * streams of a job opened together queued 500 queries on the pool, and every other request
 * (GET /health's too) waited behind them.
 */
const visibilityReads = sharedReadsPerClient<boolean>();

export async function assertJobVisible(db: Db, who: Principal, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound('Job', id);
  const owner = ownedBy(who);
  const visible = await visibilityReads(db)(
    `${id}|${owner.tenantId ?? '*'}`,
    async () => (await db.run.findFirst({ where: { id, ...owner }, select: { id: true } })) !== null,
  );
  if (!visible) throw notFound('Job', id);
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
