import { Queue, Worker, createPostgresBackend, withBackend, type Processor } from 'bullmq';
import { postgresConnection, redisConnection, type QueueSettings } from './train-queue.js';

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
  const name = webhookQueueName(settings);
  if (settings.redisUrl) return new Queue<WebhookJobData>(name, { connection: redisConnection(settings.redisUrl, 'producer') });
  const pg = withBackend(createPostgresBackend);
  return new pg.Queue<WebhookJobData>(name, { connection: postgresConnection(settings) }) as unknown as WebhookQueue;
}

/**
 * Attempts wait on the network, not the CPU: many run at once, so a receiver that never answers
 * holds one slot until its timeout while the others go on.
 */
export function createWebhookWorker(settings: QueueSettings, processor: Processor<WebhookJobData>, concurrency = 32): WebhookWorker {
  const name = webhookQueueName(settings);
  const options = { concurrency, lockDuration: 30_000 };
  if (settings.redisUrl) return new Worker<WebhookJobData>(name, processor, { ...options, connection: redisConnection(settings.redisUrl, 'consumer') });
  const pg = withBackend(createPostgresBackend);
  return new pg.Worker<WebhookJobData>(name, processor, { ...options, connection: postgresConnection(settings) }) as unknown as WebhookWorker;
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
