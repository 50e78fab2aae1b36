import type { Logger } from 'pino';
import type { Config } from '../infra/config.js';
import { TRAIN_ATTEMPTS, createTrainWorker, type QueueSettings, type TrainWorker } from '../infra/queue/train-queue.js';
import type { Db } from '../infra/db/prisma.js';
import { recordJob, recordJobLost, recordPickup, type TrainingReport } from '../infra/metrics.js';
import { markRunFailed } from '../features/jobs/reconciler.js';
import { describeInternal } from '../infra/db/run-error.js';
import { TRAINER_PID_ENV } from './worker-pid.js';
import { activeJobCount, forkedChildren, keepWarm } from './bullmq-sandbox.js';
import type { WarmChildren } from './warm-pool.js';

/**
 * The BullMQ worker: takes training jobs from the queue and hands each to the sandboxed
 * processor in a child process. Scale out by starting more of these, anywhere that reaches
 * the same database and queue.
 */
export function startTrainer(config: Config, settings: QueueSettings, db: Db, log?: Logger): TrainWorker {
  // Compiled (dist/, `npm run start:prod`) this module is .js and so is the processor; under tsx, .ts.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const processorFile = new URL(`./training-process${ext}`, import.meta.url);
  // The training processes inherit this: their guard ends them once this process is not their parent.
  process.env[TRAINER_PID_ENV] = String(process.pid);
  // Before the first fork: a stop must find every training process from its first moment.
  forkedChildren();
  const worker = createTrainWorker(settings, processorFile, {
    concurrency: config.WORKER_CONCURRENCY,
    // Child processes (not worker threads): tfjs native bindings and wasm behave best per process.
    useWorkerThreads: false,
    workerForkOptions: { execArgv: childExecArgv(new URL(`./training-process-guard${ext}`, import.meta.url)) },
    // The lock is renewed by this process, which stays idle while the child trains; a worker
    // that dies loses its lock within lockDuration and the job is handed to another worker at
    // the next stalled-job check.
    lockDuration: config.WORKER_LOCK_S * 1000,
    stalledInterval: Math.round((config.WORKER_LOCK_S * 1000 * 2) / 3),
    maxStalledCount: TRAIN_ATTEMPTS,
  });
  // Forking a training process and loading TypeScript, TensorFlow.js and its backend into it takes
  // seconds: one per concurrency slot is started now and replaced when it exits, so a job does not
  // wait for that in `queued`.
  warmChildren.set(
    worker,
    keepWarm(worker, processorFile.href, config.WORKER_CONCURRENCY, (msg) => log?.warn(msg)),
  );
  // The processor ends every run it finishes in a final state itself. What lands here is a
  // training process that died or handed its run back; once the queue gives up on the job
  // (attempts spent, or stalled too often), the run must not stay `running`.
  worker.on('failed', (job, err) => {
    if (!job) return;
    log?.warn({ jobId: job.id, attempt: job.attemptsMade, err: { message: err.message } }, 'training process stopped');
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
    if (!final) return;
    markRunFailed(db, job.data.runId, `the training process stopped ${job.attemptsMade} times; last: ${describeInternal(err)}`).then(
      (ended) => ended && recordJobLost(),
      (e: Error) => worker.emit('error', new Error(`could not mark run ${job.data.runId} failed: ${e.message}`)),
    );
  });
  worker.on('active', (job) => {
    // A retry's wait includes its backoff: only first attempts measure the queue's pickup.
    const pickupMs = job.processedOn && job.timestamp ? job.processedOn - job.timestamp : undefined;
    if (pickupMs !== undefined && job.attemptsMade === 0) recordPickup(pickupMs / 1000);
    log?.info({ jobId: job.id, attempt: job.attemptsMade + 1, pickupMs }, 'job started');
  });
  worker.on('completed', (job, report: TrainingReport) => {
    if (report) recordJob(report, { startedAt: job.processedOn, endedAt: job.finishedOn ?? Date.now() });
    log?.info(
      {
        jobId: job.id,
        outcome: report?.outcome,
        epochs: report?.epochs,
        durationMs: job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : undefined,
      },
      'job ended',
    );
  });
  return worker;
}

/** How long a stopping worker waits for its training processes to hand their jobs back. */
export const HAND_BACK_GRACE_MS = 5_000;

const warmChildren = new WeakMap<TrainWorker, WarmChildren>();

/**
 * Resolves once `worker`'s first training processes have loaded (or failed to), so that a job
 * taken from then on starts at once.
 */
export function trainerWarm(worker: TrainWorker): Promise<void> {
  return warmChildren.get(worker)?.ready() ?? Promise.resolve();
}

/**
 * Stops starting training processes ahead of jobs and kills the idle ones (they hold no job).
 * The first step of a stop: a Ctrl-C reaches the training processes too, and the idle ones that
 * exit then must not be replaced.
 */
export function stopWarming(worker: TrainWorker): Promise<void> {
  return warmChildren.get(worker)?.stop() ?? Promise.resolve();
}

/**
 * Resolves true once `worker` holds no job, or false after `ms`. Reads BullMQ's count of the jobs
 * the worker renews locks for; without it, waits `ms`.
 */
async function idleWithin(worker: TrainWorker, ms: number): Promise<boolean> {
  const active = () => activeJobCount(worker) ?? 1;
  const deadline = Date.now() + ms;
  while (active() > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Stops taking jobs and hands the running ones back: their training processes stop within a
 * batch and leave the run `running`, so another worker (or this one's next start) takes them up
 * now rather than after this one's lock expires. A training process that has not answered within
 * {@link HAND_BACK_GRACE_MS} (still loading its backend on a busy machine, or inside one long
 * batch: its event loop does not turn) is killed and the worker closed without waiting for it:
 * the queue hands its job out again once its lock expires, and the run resumes from its last
 * checkpoint, as after a crash.
 */
export async function closeTrainer(worker: TrainWorker, log?: Logger): Promise<void> {
  worker.cancelAllJobs('worker shutting down');
  await worker.pause(true); // no new job from now on, without waiting for the running ones
  await stopWarming(worker);
  const handedBack = await idleWithin(worker, HAND_BACK_GRACE_MS);
  if (!handedBack) {
    const children = [...forkedChildren()];
    log?.warn(`a training process did not hand its job back within ${HAND_BACK_GRACE_MS} ms; stopping ${children.length} training process(es)`);
    await Promise.all(children.map((child) => child.kill('SIGKILL').catch(() => undefined)));
  }
  await worker.close(!handedBack);
}

/**
 * This process's flags (the TypeScript loader under tsx) plus `--import` of the guard, so that it is
 * in force from a training process's first moment, not only once BullMQ has loaded the processor
 * (seconds later). These replace BullMQ's own execArgv, which differs from ours only in giving a
 * child of a process run with --inspect a port of its own; debugger flags are left out instead.
 */
function childExecArgv(guard: URL): string[] {
  return [...process.execArgv.filter((arg) => !arg.startsWith('--inspect')), '--import', guard.href];
}
