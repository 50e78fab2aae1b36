import type { Processor, Queue, Worker } from 'bullmq';
import { openQueue, openWorker, type QueueSettings } from './train-queue.js';

/** One attempt of one webhook delivery; the delivery lives in PostgreSQL. */
export interface WebhookJobData {
  deliveryId: string;
  /** The attempt this entry makes (0: the first): an entry whose attempt was already made does nothing. */
  attempt: number;
}

export type WebhookQueue = Queue<WebhookJobData>;
export type WebhookWorker = Worker<WebhookJobData>;

/** Deliveries have a queue of their own: a slow receiver never delays a training job or a study step. */
export const webhookQueueName = (settings: QueueSettings) => `${settings.name}-webhooks`;

export function createWebhookQueue(settings: QueueSettings): WebhookQueue {
  return openQueue<WebhookJobData>(webhookQueueName(settings), settings);
}

/**
 * Attempts wait on the network, not the CPU: many run at once, so a receiver that never answers
 * holds one slot until its timeout while the others go on.
 */
export function createWebhookWorker(settings: QueueSettings, processor: Processor<WebhookJobData>, concurrency = 32): WebhookWorker {
  return openWorker<WebhookJobData>(webhookQueueName(settings), settings, processor, { concurrency, lockDuration: 30_000 });
}

/**
 * Puts attempts on the queue, each with a job id of its delivery and attempt number, so an attempt
 * handed out twice (a dispatcher taking over a stale claim) is queued once. `delayMs`: a retry
 * waits in the queue until it is due.
 */
export function enqueueAttempts(queue: WebhookQueue, attempts: Array<WebhookJobData & { delayMs?: number }>) {
  return queue.addBulk(
    attempts.map(({ deliveryId, attempt, delayMs }) => ({
      name: 'deliver',
      data: { deliveryId, attempt },
      opts: { jobId: `${deliveryId}-${attempt}`, ...(delayMs ? { delay: delayMs } : {}), attempts: 1, removeOnComplete: true, removeOnFail: true },
    })),
  );
}
