import type { Config } from '../config.js';
import { conflict, notFound, unavailable } from '../errors.js';
import { enqueueRun, type TrainQueue } from '../jobs/queue.js';
import type { Job, JobStatus } from '../schemas/job.js';
import type { JobSpec } from '../schemas/job-spec.js';
import type { Db } from '../storage/prisma.js';
import { SpecError, type TrainingWarning } from '../training/types.js';
import { checkJobSpec, type ModelCheck } from './check-job.js';
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
export async function submitJob(deps: { db: Db; queue: TrainQueue; config: Config; modelCheck?: ModelCheck }, spec: JobSpec): Promise<{ id: string; status: 'queued' }> {
  const { problems, warnings } = await checkJobSpec(deps.db, deps.config, spec, deps.modelCheck);
  if (problems.length > 0) throw new SpecError(`the job spec cannot be trained: ${problems[0].path}: ${problems[0].message}`, problems);

  const run = await deps.db.run.create({ data: { name: spec.name ?? null, spec: spec as object, warnings: warnings as object[] } });
  try {
    await withTimeout(enqueueRun(deps.queue, run.id), ENQUEUE_TIMEOUT_MS, 'the queue');
  } catch {
    await deps.db.run.delete({ where: { id: run.id } }).catch(() => {});
    throw unavailable('the job queue');
  }
  return { id: run.id, status: 'queued' };
}

/**
 * Cancels a job. A queued one ends at once as `cancelled` (and leaves the queue); a running one
 * gets `cancelRequested`, which its worker reads between batches wherever it runs, and ends as
 * `cancelled` with the epochs already done kept. An ended job answers 409.
 */
export async function cancelJob(deps: { db: Db; queue: TrainQueue }, id: string): Promise<{ id: string; status: JobStatus }> {
  if (!isUuid(id)) throw notFound('Job', id);
  const now = new Date();
  const queued = await deps.db.run.updateMany({ where: { id, status: 'queued' }, data: { status: 'cancelled', cancelRequested: true, finishedAt: now } });
  if (queued.count === 1) {
    // Best effort: a worker that picks it up anyway sees `cancelled` and skips it.
    await deps.queue.remove(id).catch(() => 0);
    return { id, status: 'cancelled' };
  }
  const running = await deps.db.run.updateMany({ where: { id, status: 'running' }, data: { cancelRequested: true } });
  if (running.count === 1) return { id, status: 'running' };
  const run = await deps.db.run.findUnique({ where: { id }, select: { status: true } });
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
    warnings: [...(run.warnings as unknown as TrainingWarning[]), ...(run.diagnosticWarnings as unknown as TrainingWarning[])] as Job['warnings'],
    attempts: run.attempts,
    resumedFromEpoch: run.resumedFromEpoch,
    progress,
    ...(withSpec ? { spec: run.spec } : {}),
  };
}

export async function getJob(deps: { db: Db; queue: TrainQueue }, id: string): Promise<Job> {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = (await deps.db.run.findUnique({ where: { id }, include: jobInclude })) as RunWithLast | null;
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
export async function listJobs(db: Db, query: { status?: JobStatus; limit?: number; cursor?: string }): Promise<{ items: Job[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const runs = (await db.run.findMany({
    where: { ...(query.status ? { status: query.status } : {}), ...after(query.cursor) },
    orderBy: newestFirst,
    take: limit + 1,
    include: jobInclude,
    // A spec can be large and a listing does not show it.
    omit: { spec: true },
  })) as unknown as RunWithLast[];
  return toPage(runs, limit, (r) => toJob(r));
}

export async function getMetrics(db: Db, id: string) {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = await db.run.findUnique({ where: { id }, select: { id: true, epochs: { orderBy: { epoch: 'asc' } } } });
  if (!run) throw notFound('Job', id);
  return { epochs: run.epochs.map(toEpochRow) };
}

export async function getDiagnostics(db: Db, id: string) {
  if (!isUuid(id)) throw notFound('Job', id);
  const run = await db.run.findUnique({ where: { id }, select: { diagnosticWarnings: true, diagnostics: { orderBy: { epoch: 'asc' } } } });
  if (!run) throw notFound('Job', id);
  return {
    epochs: run.diagnostics.map((d) => ({ epoch: d.epoch, layers: d.layers as never })),
    warnings: run.diagnosticWarnings as never,
  };
}
