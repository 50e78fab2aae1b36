import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decideAuthMode } from '../http/auth/mode.js';
import type { AppDeps } from '../http/deps.js';
import type { Config } from '../infra/config.js';
import { createDbProbe } from '../infra/db/db-probe.js';
import { setBackendInfo } from '../infra/metrics.js';
import { createPrisma } from '../infra/db/prisma.js';
import { createStudyQueue } from '../infra/queue/study-queue.js';
import { createTrainQueue, createTrainQueueEvents, queueBackendName } from '../infra/queue/train-queue.js';
import { JobEventHub } from '../features/jobs/queue-events.js';
import { Predictor } from '../features/models/predictor.js';
import { anyKeyExists } from '../features/tenants/api-keys.js';
import { createThreadPool } from '../threads/pool.js';
import { queueSettings } from './queue-settings.js';
import { StartRefused } from './start-refused.js';

export interface ApiDepsOptions {
  /**
   * The database the API reads and writes; default: config's. A test points the API alone at an
   * unreachable or restricted database this way: the queue stays on config's.
   */
  databaseUrl?: string;
  /** Where the auth decision and the thread pool's warnings go; default: the pool's warnings to the console. */
  log?: Logger;
  /** Hears the connection errors of the queues and the event reader, by source; default: the queues' go unheard. */
  onError?: (source: string) => (err: Error) => void;
  /**
   * true (default): a worker-thread pool of the API's own, started now, so the first large request
   * does not wait seconds for a thread to load tfjs. false: buildApp's pool, shared by every app
   * of the process (tests build many).
   */
  threads?: boolean;
  /** true (default): rate-limit counts in Redis when REDIS_URL is set, shared by every API instance. */
  sharedRateLimit?: boolean;
  /**
   * false: opens nothing (no database, queue, thread or tfjs): stand-ins that fail if used, for an
   * app whose routes are only read (the OpenAPI document) or a unit test's app.
   */
  open?: boolean;
  /**
   * Used as given instead of made here, and left to their owner to close: a database client, an
   * auth mode (then no keys are looked up), a backend (then tfjs is not started), a /health
   * database check (then no probe is opened), a Redis for rate-limit counts.
   */
  overrides?: Partial<Pick<AppDeps, 'db' | 'authMode' | 'backend' | 'checkDb' | 'rateLimitRedis'>>;
}

/** What buildApp takes, and a close() for everything opened to make it. */
export type ApiDeps = AppDeps & { close(): Promise<void> };

/**
 * The API's dependencies, made from `config` in one place for the service, the test harness,
 * the benchmarks and the OpenAPI document. A start that the auth rules forbid throws StartRefused.
 * close() (after the app's own close) closes what was opened here, last opened first: the
 * database last. A failure half-way closes what was already open.
 */
export async function createApiDeps(config: Config, options: ApiDepsOptions = {}): Promise<ApiDeps> {
  const given = options.overrides ?? {};
  if (options.open === false) return inertDeps(config, given);
  const { log, onError } = options;
  const databaseUrl = options.databaseUrl ?? config.DATABASE_URL;
  if (!databaseUrl) throw new Error('createApiDeps needs a database: config.DATABASE_URL or options.databaseUrl');
  const settings = queueSettings(config);
  const opened: Array<() => unknown> = [];
  const close = async () => {
    for (const closeOne of opened.splice(0).reverse()) await closeOne();
  };
  try {
    let db = given.db;
    if (!db) {
      const own = createPrisma(databaseUrl, config.DATABASE_SCHEMA);
      opened.push(() => own.$disconnect());
      db = own;
    }
    let authMode = given.authMode;
    if (!authMode) {
      const auth = decideAuthMode({ setting: config.AUTH, host: config.HOST, adminKeySet: Boolean(config.ADMIN_API_KEY), keysExist: await anyKeyExists(db) });
      if (auth.refuse) throw new StartRefused(auth.refuse);
      log?.info(`auth ${auth.mode === 'until-first-key' ? 'off' : auth.mode}: ${auth.reason}`);
      authMode = auth.mode;
    }
    const queue = createTrainQueue(settings);
    opened.push(() => queue.close());
    if (onError) queue.on('error', onError('queue'));
    const studyQueue = createStudyQueue(settings);
    opened.push(() => studyQueue.close());
    if (onError) studyQueue.on('error', onError('study queue'));
    let rateLimitRedis = given.rateLimitRedis;
    if (!rateLimitRedis && options.sharedRateLimit !== false && config.REDIS_URL) {
      // An outage lets requests through (the plugin's skipOnError): fail fast, never queue commands.
      const own = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
      own.on('error', () => {});
      opened.push(() => own.disconnect());
      rateLimitRedis = own;
    }
    const backend = given.backend ?? (await startTfjs(config));
    const predictor = new Predictor(db);
    opened.push(() => predictor.dispose());
    let threads;
    if (options.threads !== false) {
      const pool = createThreadPool({
        threads: config.HEAVY_THREADS,
        timeoutMs: config.HEAVY_TIMEOUT_S * 1000,
        maxQueue: config.HEAVY_QUEUE,
        log: log ? (msg) => log.warn(msg) : undefined,
      });
      opened.push(() => pool.close());
      void pool.warm();
      threads = pool;
    }
    const events = new JobEventHub(createTrainQueueEvents(settings), onError?.('queue events'));
    opened.push(() => events.close());
    let checkDb = given.checkDb;
    if (!checkDb) {
      // /health asks on a connection of its own, not behind the request pool's work.
      const probe = createDbProbe(databaseUrl);
      opened.push(() => probe.close());
      checkDb = () => probe.check();
    }
    return {
      config,
      db,
      queue,
      studyQueue,
      queueBackend: queueBackendName(settings),
      checkQueue: () => queue.getJobCounts('waiting'),
      checkDb,
      backend,
      predictor,
      events,
      threads,
      authMode,
      rateLimitRedis,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Loads the TensorFlow.js backend config asks for; imported here, so only an API that runs models loads tfjs. */
async function startTfjs(config: Config): Promise<AppDeps['backend']> {
  const { initBackend, describeBackend } = await import('../training/backend/backend.js');
  const { webgpuAdapter } = await import('../training/backend/webgpu.js');
  const name = await initBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
  const backend = { name, detail: await describeBackend(), adapter: webgpuAdapter() };
  setBackendInfo(backend);
  return backend;
}

function inertDeps(config: Config, given: NonNullable<ApiDepsOptions['overrides']>): ApiDeps {
  const inert = {} as never;
  return {
    config,
    db: given.db ?? inert,
    queue: inert,
    queueBackend: 'postgres',
    checkQueue: async () => undefined,
    checkDb: given.checkDb,
    backend: given.backend ?? { name: 'cpu' },
    predictor: inert,
    authMode: given.authMode,
    rateLimitRedis: given.rateLimitRedis,
    close: async () => {},
  };
}
