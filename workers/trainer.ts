import type { Config } from '../src/config.js';
import { TRAIN_ATTEMPTS, createTrainWorker, type QueueSettings, type TrainWorker } from '../src/jobs/queue.js';
import type { Db } from '../src/storage/prisma.js';
import { markRunFailed } from '../src/services/reconciler.js';
import { describeInternal } from '../src/worker/execute-run.js';

/**
 * The BullMQ worker: takes training jobs from the queue and hands each to the sandboxed
 * processor in a child process. Scale out by starting more of these, anywhere that reaches
 * the same database and queue.
 */
export function startTrainer(config: Config, settings: QueueSettings, db: Db): TrainWorker {
  const processorFile = new URL('./train-processor.ts', import.meta.url);
  const worker = createTrainWorker(settings, processorFile, {
    concurrency: config.WORKER_CONCURRENCY,
    // Child processes (not worker threads): tfjs native bindings and wasm behave best per process.
    useWorkerThreads: false,
    // The lock is renewed by this process, which stays idle while the child trains; a worker
    // that dies loses its lock within lockDuration and the job is handed to another worker.
    lockDuration: 15_000,
    stalledInterval: 10_000,
    maxStalledCount: TRAIN_ATTEMPTS,
  });
  // The processor ends every run it finishes in a final state itself. What lands here is a
  // training process that died or handed its run back; once the queue gives up on the job
  // (attempts spent, or stalled too often), the run must not stay `running`.
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
    if (!final) return;
    void markRunFailed(db, job.data.runId, `the training process stopped ${job.attemptsMade} times; last: ${describeInternal(err)}`).catch((e: Error) =>
      worker.emit('error', new Error(`could not mark run ${job.data.runId} failed: ${e.message}`)),
    );
  });
  return worker;
}
