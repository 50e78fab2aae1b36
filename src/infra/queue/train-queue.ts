import { Redis } from 'ioredis';
import { Queue, QueueEvents, Worker, createPostgresBackend, withBackend, type Processor, type WorkerOptions } from 'bullmq';

/** What a training job carries through the queue: only the run id; the run lives in PostgreSQL. */
export interface TrainJobData {
  runId: string;
}

/** How to reach the queue, as config gives it. */
export interface QueueSettings {
  name: string;
  /** Set: BullMQ on Redis (production). Unset: BullMQ 6's PostgreSQL backend on `databaseUrl`. */
  redisUrl?: string;
  databaseUrl: string;
  /** PostgreSQL schema for the BullMQ tables when the PostgreSQL backend is used. */
  queueSchema: string;
}

export type TrainQueue = Queue<TrainJobData>;

/**
 * How many times a run is tried when its training process dies (crash, OOM, kill -9) or hands
 * it back at a worker's shutdown; each try resumes from the last checkpoint.
 */
export const TRAIN_ATTEMPTS = 5;

/**
 * Puts a run on the queue; its BullMQ job id is the run id, so it is never queued twice.
 * `priority` comes from the fair scheduler (`nextFairTag`); lower goes first.
 */
export function enqueueRun(queue: TrainQueue, runId: string, priority?: number) {
  return queue.add(
    'train',
    { runId },
    {
      jobId: runId,
      ...(priority ? { priority } : {}),
      attempts: TRAIN_ATTEMPTS,
      backoff: { type: 'fixed', delay: 1_000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    },
  );
}
export type TrainWorker = Worker<TrainJobData>;

/**
 * The one place that chooses the queue backend. Everything else asks this module for a
 * Queue, a Worker or QueueEvents and never learns which store carries them.
 */
export function queueBackendName(settings: QueueSettings): 'redis' | 'postgres' {
  return settings.redisUrl ? 'redis' : 'postgres';
}

export function redisConnection(url: string, role: 'producer' | 'consumer'): Redis {
  // Workers and event readers wait out an outage (BullMQ needs maxRetriesPerRequest: null for
  // their blocking commands); a producer fails fast instead, so POST /jobs answers 503 at once
  // rather than hanging while Redis is down.
  return role === 'consumer'
    ? new Redis(url, { maxRetriesPerRequest: null })
    : new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
}

export function postgresConnection(settings: QueueSettings) {
  return { connectionString: settings.databaseUrl, schema: settings.queueSchema, migrate: true, max: 5 };
}

/** A queue named `name` on the settings' backend (Redis, or BullMQ's PostgreSQL backend). */
export function openQueue<T>(name: string, settings: QueueSettings): Queue<T> {
  if (settings.redisUrl) return new Queue<T>(name, { connection: redisConnection(settings.redisUrl, 'producer') });
  const pgClasses = withBackend(createPostgresBackend);
  return new pgClasses.Queue<T>(name, { connection: postgresConnection(settings) }) as unknown as Queue<T>;
}

/** A worker of the queue named `name` on the settings' backend. */
export function openWorker<T>(
  name: string,
  settings: QueueSettings,
  processor: string | URL | Processor<T>,
  options: Omit<WorkerOptions, 'connection'> = {},
): Worker<T> {
  if (settings.redisUrl) return new Worker<T>(name, processor, { ...options, connection: redisConnection(settings.redisUrl, 'consumer') });
  const pgClasses = withBackend(createPostgresBackend);
  return new pgClasses.Worker<T>(name, processor, { ...options, connection: postgresConnection(settings) }) as unknown as Worker<T>;
}

export function createTrainQueue(settings: QueueSettings): TrainQueue {
  return openQueue<TrainJobData>(settings.name, settings);
}

export function createTrainWorker(
  settings: QueueSettings,
  processor: string | URL | Processor<TrainJobData>,
  options: Omit<WorkerOptions, 'connection'> = {},
): TrainWorker {
  return openWorker<TrainJobData>(settings.name, settings, processor, options);
}

export function createTrainQueueEvents(settings: QueueSettings): QueueEvents {
  if (settings.redisUrl) return new QueueEvents(settings.name, { connection: redisConnection(settings.redisUrl, 'consumer') });
  const pgClasses = withBackend(createPostgresBackend);
  return new pgClasses.QueueEvents(settings.name, { connection: postgresConnection(settings) }) as unknown as QueueEvents;
}
