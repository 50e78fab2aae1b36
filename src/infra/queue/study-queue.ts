import type { Processor, Queue, Worker } from 'bullmq';
import { openQueue, openWorker, type QueueSettings } from './train-queue.js';

/** A study's controller job: it launches the study's trials and ends the study. */
export interface StudyJobData {
  studyId: string;
}

export type StudyQueue = Queue<StudyJobData>;
export type StudyWorker = Worker<StudyJobData>;

/** The controllers have a queue of their own beside the training queue, so a long training queue never delays them. */
export const studyQueueName = (settings: QueueSettings) => `${settings.name}-studies`;

export function createStudyQueue(settings: QueueSettings): StudyQueue {
  return openQueue<StudyJobData>(studyQueueName(settings), settings);
}

export function createStudyWorker(settings: QueueSettings, processor: Processor<StudyJobData>): StudyWorker {
  // A step takes milliseconds; between steps the job waits delayed, holding no lock. A worker
  // killed mid-step loses its lock within seconds and the next worker takes the study on.
  const options = { concurrency: 50, lockDuration: 5_000, stalledInterval: 5_000, maxStalledCount: 1_000 };
  return openWorker<StudyJobData>(studyQueueName(settings), settings, processor, options);
}

/**
 * Puts a study's controller on the queue; its job id is the study id, so a study never has two.
 * Errors retry with backoff for a long while: a step that failed (the database down) is simply
 * taken again.
 */
export function enqueueStudy(queue: StudyQueue, studyId: string) {
  return queue.add(
    'drive',
    { studyId },
    { jobId: studyId, attempts: 10_000, backoff: { type: 'fixed', delay: 2_000 }, removeOnComplete: 1000, removeOnFail: 1000 },
  );
}
