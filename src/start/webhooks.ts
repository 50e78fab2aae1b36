import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db/prisma.js';
import type { QueueSettings } from '../infra/queue/train-queue.js';
import { createWebhookQueue, createWebhookWorker } from '../infra/queue/webhook-queue.js';
import { attemptDelivery, startDispatcher } from '../features/webhooks/delivery-engine.js';
import type { Resolver } from '../features/webhooks/destination.js';
import type { Closer } from './shutdown.js';

/**
 * Webhook deliveries in this process: the dispatcher that queues due attempts and the queue
 * worker that makes them. The worker process runs it beside the trainer; a test or benchmark may
 * run it in its own process. Returns its closer.
 */
export function startWebhookDelivery(
  config: Config,
  settings: QueueSettings,
  db: Db,
  opts: { onError?: (source: string) => (err: Error) => void; resolve?: Resolver; pollMs?: number } = {},
): Closer {
  const queue = createWebhookQueue(settings);
  const deps = { db, queue, config, resolve: opts.resolve };
  const worker = createWebhookWorker(settings, (job) => attemptDelivery(deps, job.data));
  if (opts.onError) {
    queue.on('error', opts.onError('webhook queue'));
    worker.on('error', opts.onError('webhook worker'));
  }
  const stopDispatcher = startDispatcher(deps, opts.pollMs, (err) => opts.onError?.('webhook dispatcher')(err as Error));
  return {
    name: 'the webhook deliveries',
    async close() {
      stopDispatcher();
      // Attempts in flight finish (each within WEBHOOK_TIMEOUT_S); queued ones wait for the next start.
      await worker.close();
      await queue.close();
    },
  };
}
