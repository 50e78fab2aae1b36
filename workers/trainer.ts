import type { Config } from '../src/config.js';
import { createTrainWorker, type QueueSettings, type TrainWorker } from '../src/jobs/queue.js';

/**
 * The BullMQ worker: takes training jobs from the queue and hands each to the sandboxed
 * processor in a child process. Scale out by starting more of these, anywhere that reaches
 * the same database and queue.
 */
export function startTrainer(config: Config, settings: QueueSettings): TrainWorker {
  const processorFile = new URL('./train-processor.ts', import.meta.url);
  return createTrainWorker(settings, processorFile, {
    concurrency: config.WORKER_CONCURRENCY,
    // Child processes (not worker threads): tfjs native bindings and wasm behave best per process.
    useWorkerThreads: false,
    // Training holds a job for long; the lock is renewed by this (idle) process, not the trainer.
    lockDuration: 60_000,
    stalledInterval: 30_000,
    maxStalledCount: 2,
  });
}
