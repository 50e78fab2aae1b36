import type { Config } from '../infra/config.js';
import type { QueueSettings } from '../infra/queue/train-queue.js';

/**
 * The queue of `config`: on Redis when REDIS_URL is set, else on config's database, in a schema
 * beside the app's (`bullmq` beside `public`, `<schema>_bullmq` beside any other).
 */
export function queueSettings(config: Config): QueueSettings {
  if (!config.DATABASE_URL) throw new Error('the queue needs DATABASE_URL: open the database first and put its URL in the config');
  const schema = config.DATABASE_SCHEMA;
  return {
    name: config.QUEUE_NAME,
    redisUrl: config.REDIS_URL,
    databaseUrl: config.DATABASE_URL,
    queueSchema: schema === 'public' ? 'bullmq' : `${schema}_bullmq`,
  };
}
