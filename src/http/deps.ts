import type { Redis } from 'ioredis';
import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db/prisma.js';
import type { TrainQueue } from '../infra/queue/train-queue.js';
import type { StudyQueue } from '../infra/queue/study-queue.js';
import type { JobEventHub } from '../features/jobs/queue-events.js';
import type { Predictor } from '../features/models/predictor.js';
import type { ThreadPool } from '../threads/pool.js';
import type { AuthMode } from './auth/mode.js';

/** What the API needs from the outside world; passed in, never reached through globals. */
export interface AppDeps {
  config: Config;
  db: Db;
  queue: TrainQueue;
  /** Where study controllers are queued; without it, POST /studies answers 503. */
  studyQueue?: StudyQueue;
  queueBackend: 'redis' | 'postgres';
  /** Resolves when the queue store answers (for /health). */
  checkQueue(): Promise<unknown>;
  /**
   * Resolves when the database answers (for /health), best on a connection of its own
   * (`createDbProbe`); default: a query through `db`, which waits behind the pool's work.
   */
  checkDb?(): Promise<unknown>;
  /** The tfjs backend of this process; `adapter`: the WebGPU adapter it runs on (null or absent on other backends). */
  backend: { name: string; detail?: string; adapter?: { vendor: string; architecture: string; description: string; fallback: boolean } | null };
  predictor: Predictor;
  /** Live signals from the workers through the queue; without it, event streams poll. */
  events?: JobEventHub;
  /** Overrides the auth mode config gives (see `decideAuthMode`). */
  authMode?: AuthMode;
  /** Where rate-limit counts live, shared by every API instance; unset: in this process. */
  rateLimitRedis?: Redis;
  /** Worker threads for heavy request work; default: a pool of the app's own, closed with it. */
  threads?: ThreadPool;
}
