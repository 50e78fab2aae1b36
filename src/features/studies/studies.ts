/**
 * Studies: accepted as a checked plan (see `checkStudy`), driven by a controller job on the
 * study queue (`stepStudy`), read out with their ranking, effects and warnings.
 */
import { ownedBy, type Principal } from '../../core/principal.js';
import type { Config } from '../../infra/config.js';
import { conflict, notFound, unavailable } from '../../core/errors.js';
import { enqueueStudy, type StudyQueue } from '../../infra/queue/study-queue.js';
import { cancelJob } from '../jobs/jobs.js';
import type { Study, StudyRequest } from '../../schemas/study.js';
import { aggregateStudy, type TrialOutcome } from '../../studies/aggregate.js';
import type { Mode } from '../../studies/asha.js';
import { metricNote, metricValue, type StudyMetric } from '../../studies/metric.js';
import type { StudyTest } from '../../studies/compare.js';
import type { TrainQueue } from '../../infra/queue/train-queue.js';
import type { Db } from '../../infra/db/prisma.js';
import type { TrainingWarning } from '../../core/run-types.js';
import { isUuid } from '../../core/ids.js';
import { after, newestFirst, toPage } from '../../infra/db/pagination.js';
import { checkStudy, type PlannedTrial } from './study-plan.js';
import type { ThreadPool } from '../../threads/pool.js';
import { withTimeout } from '../../infra/concurrency/timeout.js';
import { toEpochRow } from '../jobs/jobs.js';
import { readStudyTrialRuns, type TrialRunRow } from '../jobs/job-reads.js';

export interface StudyDeps {
  db: Db;
  config: Config;
  queue: TrainQueue;
  studyQueue: StudyQueue;
  /** The API's worker-thread pool: trial specs are built there, off the event loop. */
  threads?: ThreadPool;
}

const ENQUEUE_TIMEOUT_MS = 5_000;

/** Checks the study, stores it with its plan and puts its controller on the queue. Nothing is queued for a study that would not run. */
export async function createStudy(deps: StudyDeps, who: Principal, body: StudyRequest): Promise<{ id: string; status: 'running'; trials: number }> {
  const checked = await checkStudy(deps.db, deps.config, who, body, deps.threads);
  const study = await deps.db.study.create({
    data: {
      // The owner; the controller gives every trial run this tenant (see `stepStudy`).
      tenantId: who.tenantId,
      name: checked.name,
      seed: checked.seed,
      method: checked.method,
      metric: checked.metric,
      mode: checked.mode,
      preset: checked.preset,
      request: body as object,
      plan: checked.trials as unknown as object[],
      trialCount: checked.trials.length,
      maxConcurrent: checked.maxConcurrent,
      asha: checked.asha ? { ...checked.asha } : undefined,
    },
    select: { id: true },
  });
  try {
    await withTimeout(enqueueStudy(deps.studyQueue, study.id), ENQUEUE_TIMEOUT_MS, 'the queue');
  } catch {
    await deps.db.study.delete({ where: { id: study.id } }).catch(() => {});
    throw unavailable('the job queue');
  }
  return { id: study.id, status: 'running', trials: checked.trials.length };
}

/**
 * Marks the study cancelled and cancels every trial job that has not ended; trials not yet
 * launched never will be. A trial the controller is launching at this very moment is
 * cancelled by the controller's next step, which sees `cancelRequested`. A study that has
 * already ended is a 409, as a job is: a cancel that changes nothing must not look accepted.
 */
export async function cancelStudy(
  deps: { db: Db; queue: TrainQueue },
  who: Principal,
  id: string,
): Promise<{ id: string; status: Study['status']; cancelledTrials: number }> {
  if (!isUuid(id)) throw notFound('Study', id);
  // Another tenant's study is a 404, as if it did not exist.
  const study = await deps.db.study.findFirst({ where: { id, ...ownedBy(who) }, select: { status: true } });
  if (!study) throw notFound('Study', id);
  // Only the call that moves it from `running` cancels it: one that lost a race with its end (or with another cancel) is told so.
  const marked = await deps.db.study.updateMany({
    where: { id, status: 'running' },
    data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date() },
  });
  if (marked.count === 0) {
    const ended = await deps.db.study.findUnique({ where: { id }, select: { status: true } });
    throw conflict(`study ${id} has already ended (${ended?.status ?? study.status}); only a running study can be cancelled`);
  }
  const cancelledTrials = await cancelStudyRuns(deps, id);
  return { id, status: 'cancelled', cancelledTrials };
}

/**
 * Cancels every trial job of the study that has not ended; returns how many. Called for the
 * study's owner (the request's caller, or the controller, which acts for the study's tenant).
 */
export async function cancelStudyRuns(deps: { db: Db; queue: TrainQueue }, studyId: string): Promise<number> {
  const open = await deps.db.run.findMany({ where: { studyId, status: { in: ['queued', 'running'] } }, select: { id: true, tenantId: true } });
  let count = 0;
  for (const run of open) {
    // One that ended meanwhile answers 409: it is no longer ours to cancel.
    if (
      await cancelJob(deps, studyOwner(run.tenantId), run.id).then(
        () => true,
        () => false,
      )
    )
      count++;
  }
  return count;
}

/** The principal the controller acts as: a member of the study's tenant (never wider). */
export function studyOwner(tenantId: string): Principal {
  return { tenantId, role: 'member', keyId: null };
}

/**
 * A study with its trials (each one's last epoch only, read by readStudyTrialRuns), ranking,
 * comparisons with the best (by `test`: the paired t-test unless asked otherwise), effects and
 * importance.
 */
export async function getStudy(db: Db, schema: string, who: Principal, id: string, query: { test?: StudyTest } = {}): Promise<Study> {
  if (!isUuid(id)) throw notFound('Study', id);
  const study = await db.study.findFirst({ where: { id, ...ownedBy(who) } });
  if (!study) throw notFound('Study', id);
  const runs = await readStudyTrialRuns(db, schema, id);
  const byIndex = new Map(runs.map((r) => [r.trialIndex, r]));
  const metric = study.metric as StudyMetric;
  const plan = study.plan as unknown as PlannedTrial[];
  const trials = plan.map((t) => {
    const run = byIndex.get(t.index);
    const last = run && lastEpochOf(run);
    const status: Study['trials'][number]['status'] = !run
      ? study.status === 'running'
        ? 'pending'
        : 'cancelled'
      : run.stoppedAtEpoch !== null
        ? 'stopped'
        : run.status;
    const kinds = run
      ? [...(run.warnings as unknown as TrainingWarning[]), ...(run.diagnosticWarnings as unknown as TrainingWarning[])].map((w) => w.kind)
      : [];
    return {
      index: t.index,
      jobId: run?.id ?? null,
      parameters: t.parameters,
      repeat: t.repeat,
      status,
      value: last ? metricValue(toEpochRow(last), metric) : null,
      epochs: last?.epoch ?? 0,
      stoppedAtEpoch: run?.stoppedAtEpoch ?? null,
      warningKinds: kinds,
    };
  });
  const test = query.test ?? 't';
  const aggregate = aggregateStudy(trials satisfies TrialOutcome[], study.mode as Mode, test);
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return {
    ...summary(study),
    maxConcurrent: study.maxConcurrent,
    counts,
    trials: trials.map(({ warningKinds: _omit, ...t }) => t),
    ...aggregate,
    test,
    seed: study.seed,
    metricNote: metricNote(metric, study.request as { metric?: string; preset?: string }),
  } as Study;
}

/** The run's last epoch, if it has one (the LATERAL join's columns are null when it has none). */
function lastEpochOf(run: TrialRunRow) {
  const { epoch, phase, loss, accuracy, valLoss, valAccuracy, durationMs } = run;
  return epoch === null || phase === null || loss === null || durationMs === null
    ? undefined
    : { epoch, phase, loss, accuracy, valLoss, valAccuracy, durationMs };
}

type StudyRow = NonNullable<Awaited<ReturnType<Db['study']['findUnique']>>>;

function summary(study: Pick<StudyRow, 'id' | 'name' | 'status' | 'method' | 'metric' | 'mode' | 'preset' | 'trialCount' | 'createdAt' | 'finishedAt'>) {
  return {
    id: study.id,
    name: study.name,
    status: study.status as Study['status'],
    method: study.method as Study['method'],
    metric: study.metric as Study['metric'],
    mode: study.mode as Study['mode'],
    preset: study.preset,
    trials: study.trialCount,
    createdAt: study.createdAt.toISOString(),
    finishedAt: study.finishedAt?.toISOString() ?? null,
  };
}

/** Newest first, keyset-paginated; summary columns only (the plan stays in the database). */
export async function listStudies(db: Db, who: Principal, query: { limit?: number; cursor?: string }) {
  const limit = query.limit ?? 20;
  const rows = await db.study.findMany({
    where: { ...ownedBy(who), ...after(query.cursor) },
    orderBy: newestFirst,
    take: limit + 1,
    select: { id: true, name: true, status: true, method: true, metric: true, mode: true, preset: true, trialCount: true, createdAt: true, finishedAt: true },
  });
  return toPage(rows, limit, summary);
}
