import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db/prisma.js';
import type { QueueSettings } from '../infra/queue/train-queue.js';
import { createWebhookQueue, createWebhookWorker } from '../infra/queue/webhook-queue.js';
import { attemptDelivery } from '../features/webhooks/delivery-engine.js';
import { startDispatcher, type Dispatcher } from '../features/webhooks/dispatcher.js';
import type { Resolver } from '../features/webhooks/destination.js';
import type { Closer } from './shutdown.js';

/** The deliveries' closer, and their dispatcher for a test to watch. */
export interface WebhookDelivery extends Closer {
  dispatcher: Dispatcher;
}

/**
 * Webhook deliveries in this process: the dispatcher that queues due attempts and the queue
 * worker that makes them. The worker process runs it beside the trainer; a test or benchmark may
 * run it in its own process. `pollMs`: the dispatcher's poll while it hears notifications.
 */
export function startWebhookDelivery(
  config: Config,
  settings: QueueSettings,
  db: Db,
  opts: { onError?: (source: string) => (err: Error) => void; resolve?: Resolver; pollMs?: number } = {},
): WebhookDelivery {
  const queue = createWebhookQueue(settings);
  const deps = { db, queue, config, resolve: opts.resolve };
  const worker = createWebhookWorker(settings, (job) => attemptDelivery(deps, job.data));
  if (opts.onError) {
    queue.on('error', opts.onError('webhook queue'));
    worker.on('error', opts.onError('webhook worker'));
  }
  const dispatcher = startDispatcher(deps, { pollMs: opts.pollMs, onError: (err) => opts.onError?.('webhook dispatcher')(err as Error) });
  return {
    name: 'the webhook deliveries',
    dispatcher,
    async close() {
      await dispatcher.close();
      // Attempts in flight finish (each within WEBHOOK_TIMEOUT_S); queued ones wait for the next start.
      await worker.close();
      await queue.close();
    },
  };
}
