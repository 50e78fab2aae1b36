/**
 * The study controller: a BullMQ job per study (job id = study id) on the study queue. Each
 * step launches trials from the stored plan up to `maxConcurrent`, and ends the study once every
 * planned trial has ended; between steps the job waits delayed, so a worker that dies loses
 * nothing and any worker takes the next step. Launching is idempotent: a trial's run is unique
 * on (studyId, trialIndex), so a step repeated after a crash never makes a second job for it.
 */
import { DelayedError, type Job } from 'bullmq';
import { enqueueRun, type TrainQueue } from '../../infra/queue/train-queue.js';
import { enqueueStudy, type StudyJobData, type StudyQueue } from '../../infra/queue/study-queue.js';
import { requeuePriority } from '../jobs/fair-priority.js';
import { UNIQUE_VIOLATION, createFairRun } from '../jobs/record-run.js';
import { ServiceError } from '../../core/errors.js';
import { isDatabaseOutage, outageDelayMs } from '../../infra/db/db-outage.js';
import type { QuotaConfig } from '../tenants/quotas.js';
import type { Db } from '../../infra/db/prisma.js';
import { cancelStudyRuns } from './studies.js';
import type { PlannedTrial } from './study-plan.js';
import { every } from '../../infra/periodic.js';

/** Pause between a study's steps: how soon a freed slot gets its next trial. */
export const STUDY_STEP_MS = 500;

export type StepResult = 'continue' | 'ended';

/** What a study step needs; with `quotas`, trials respect the tenant's queued-jobs and storage quotas. */
export interface StudyDeps {
  db: Db;
  queue: TrainQueue;
  quotas?: QuotaConfig;
  /**
   * The trial runs this process has put on the training queue (see {@link queueUnqueued}).
   * Without it, every step queues every queued trial again.
   */
  enqueued?: Set<string>;
}

/** Past this many remembered runs the memory starts over (it only saves queue calls; see queueUnqueued). */
const MAX_REMEMBERED = 10_000;

/** One step of a study's controller. */
export async function stepStudy(deps: StudyDeps, studyId: string): Promise<StepResult> {
  const { db } = deps;
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: { status: true, cancelRequested: true, maxConcurrent: true, trialCount: true, tenantId: true },
  });
  if (!study) return 'ended';
  if (study.cancelRequested) {
    // Catches a trial launched while the cancel was being handled.
    await cancelStudyRuns(deps, studyId);
    return 'ended';
  }
  if (study.status !== 'running') return 'ended';

  const runs = await db.run.findMany({ where: { studyId }, select: { id: true, status: true, trialIndex: true, fairTag: true } });
  const open = runs.filter((r) => r.status === 'queued' || r.status === 'running');
  await queueUnqueued(deps, runs);

  const launched = new Set(runs.map((r) => r.trialIndex));
  const free = study.maxConcurrent - open.length;
  if (free > 0 && launched.size < study.trialCount) {
    const plan = await planOf(db, studyId);
    for (const trial of plan.filter((t) => !launched.has(t.index)).slice(0, free)) {
      // Over the tenant's queued-jobs or storage quota the trial waits for a later step.
      if (!(await launchTrial(deps, studyId, study.tenantId, trial))) break;
    }
    return 'continue';
  }
  if (launched.size < study.trialCount || open.length > 0) return 'continue';

  const succeeded = runs.some((r) => r.status === 'succeeded');
  await db.study.updateMany({ where: { id: studyId, status: 'running' }, data: { status: succeeded ? 'succeeded' : 'failed', finishedAt: new Date() } });
  return 'ended';
}

/**
 * A step that died between creating a trial's run and queueing it (a crash, the queue down) left
 * it unqueued: this queues it (same job id, so a run already on the queue is not added twice).
 * With `deps.enqueued`, only the queued runs this process has not queued itself are sent, once
 * each, not every queued trial on every step (STUDY_STEP_MS): after a restart (or on another process)
 * the memory is empty, so the first step there sends each queued trial once, which covers a
 * crash anywhere. A run the queue later loses is the reconciler's (reconcileRuns), as for any job.
 */
async function queueUnqueued(deps: StudyDeps, runs: Array<{ id: string; status: string; fairTag: number | null }>): Promise<void> {
  const memory = deps.enqueued;
  for (const r of runs) {
    if (r.status !== 'queued') {
      memory?.delete(r.id);
      continue;
    }
    if (memory?.has(r.id)) continue;
    await enqueueRun(deps.queue, r.id, requeuePriority(r.fairTag));
    if (memory) {
      if (memory.size >= MAX_REMEMBERED) memory.clear();
      memory.add(r.id);
    }
  }
}

async function planOf(db: Db, studyId: string): Promise<PlannedTrial[]> {
  const row = await db.study.findUnique({ where: { id: studyId }, select: { plan: true } });
  return (row?.plan ?? []) as unknown as PlannedTrial[];
}

/**
 * Creates the trial's run (once: the unique index refuses a second) for the study's tenant and
 * queues it as POST /jobs does: with the tenant's fair-scheduling priority, so a study takes its
 * turn with the tenant's other jobs instead of jumping every queue.
 */
async function launchTrial(deps: StudyDeps, studyId: string, tenantId: string, trial: PlannedTrial): Promise<boolean> {
  const run = await createFairRun(
    deps.db,
    tenantId,
    {
      name: trial.spec.name ?? null,
      spec: trial.spec as object,
      warnings: trial.warnings as object[],
      studyId,
      trialIndex: trial.index,
      trialParameters: trial.parameters as object,
    },
    { quotas: deps.quotas },
  ).catch((err: { code?: string }) => {
    if (err.code === UNIQUE_VIOLATION) return null; // launched by an earlier step
    if (err instanceof ServiceError && err.code === 'quota_exceeded') return 'wait' as const;
    throw err;
  });
  if (run === 'wait') return false;
  if (run) {
    await enqueueRun(deps.queue, run.id, run.priority);
    deps.enqueued?.add(run.id);
  }
  return true;
}

/**
 * The BullMQ processor: one step, then back to the queue delayed until the next one. The
 * database still unavailable after the client waited for it: the step is taken again later,
 * without spending an attempt; any other error fails this attempt, and the job's retries take
 * the step again.
 */
export function studyProcessor(deps: StudyDeps) {
  const withMemory = { ...deps, enqueued: deps.enqueued ?? new Set<string>() };
  return async (job: Job<StudyJobData>, token?: string): Promise<StepResult> => {
    let result: StepResult;
    try {
      result = await stepStudy(withMemory, job.data.studyId);
    } catch (err) {
      if (!isDatabaseOutage(err)) throw err;
      await job.moveToDelayed(Date.now() + outageDelayMs(), token);
      throw new DelayedError();
    }
    if (result === 'ended') return result;
    await job.moveToDelayed(Date.now() + STUDY_STEP_MS, token);
    throw new DelayedError();
  };
}

/**
 * Gives every running study a controller again if the queue lost it (Redis flushed, the job
 * failed for good): PostgreSQL holds the plan, so the study carries on where it was.
 * Returns the ids it re-queued.
 */
export async function reconcileStudies(deps: { db: Db; studyQueue: StudyQueue }): Promise<string[]> {
  const running = await deps.db.study.findMany({ where: { status: 'running' }, select: { id: true }, take: 500 });
  const requeued: string[] = [];
  for (const { id } of running) {
    const job = await deps.studyQueue.getJob(id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'missing' || state === 'unknown' || state === 'completed' || state === 'failed') {
      if (job) await job.remove().catch(() => {});
      await enqueueStudy(deps.studyQueue, id);
      requeued.push(id);
    }
  }
  return requeued;
}

/** Runs {@link reconcileStudies} now and every `intervalMs`; a round that fails (a dependency down) waits for the next. */
export function startStudyReconciler(deps: { db: Db; studyQueue: StudyQueue; log: (msg: string) => void }, intervalMs = 30_000): () => void {
  return every(
    intervalMs,
    async () => {
      const ids = await reconcileStudies(deps);
      if (ids.length) deps.log(`study controllers re-queued: ${ids.join(', ')}`);
    },
    { now: true, onError: (err) => deps.log(`a study reconciler round failed and will try again each round: ${(err as Error).message}`) },
  );
}
