/**
 * Entry point: `node dist/src/main.js [all|api|worker|create-key]` (or `tsx src/main.ts ...` in development).
 * all        - API and one in-process worker (what `npm start` runs)
 * api        - the HTTP API alone
 * worker     - a training worker alone (start more to scale out)
 * create-key - prints a new API key, straight from the database (`npm run create-key -- --help`)
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildApp } from './http/app.js';
import { LOG_LEVELS, loadConfig, type Config } from './infra/config.js';
import { createTrainQueue, createTrainQueueEvents, queueBackendName, type QueueSettings } from './infra/queue/train-queue.js';
import { createStudyQueue, createStudyWorker } from './infra/queue/study-queue.js';
import { createLogger } from './infra/logging.js';
import { startMetricsServer } from './infra/metrics.js';
import { startStudyReconciler, studyProcessor } from './features/studies/study-driver.js';
import { JobEventHub } from './features/jobs/queue-events.js';
import { Predictor } from './features/models/predictor.js';
import { createHeavyPool } from './threads/pool.js';
import { startReconciler } from './features/jobs/reconciler.js';
import { connectionErrors, onShutdown, type Closer } from './start/shutdown.js';
import { warmWithin } from './start/warm-within.js';
import { DataDirInUseError, lockDataDir } from './infra/db/data-dir-lock.js';
import { openDatabase } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { createDbProbe } from './infra/db/db-probe.js';
import { createPrisma } from './infra/db/prisma.js';
import { closeTrainer, startTrainer, stopWarming, trainerWarm } from './worker/worker-process.js';
import { decideAuthMode } from './http/auth/mode.js';
import { createKeyCommand } from './cli/create-key.js';
import { anyKeyExists } from './features/tenants/api-keys.js';

const ROLES = ['all', 'api', 'worker', 'create-key'] as const;
type Role = (typeof ROLES)[number];
type Errors = ReturnType<typeof connectionErrors>;

/** A start-up the configuration forbids (e.g. auth off on a public HOST): a message, not a stack trace. */
class StartRefused extends Error {}

async function main(role: Role, log: Logger): Promise<void> {
  if (role === 'create-key') {
    process.exitCode = await createKeyCommand(process.argv.slice(3));
    return;
  }
  const startedAt = performance.now();
  const config = loadConfig();
  const say = (msg: string) => log.info(msg);
  // `npm start` owns its DATA_DIR's embedded database; `api` and `worker` join one on purpose.
  const releaseDataDir = role === 'all' && !config.DATABASE_URL ? await lockDataDir(config.DATA_DIR) : () => {};
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: say });
  // The sandboxed training processes are forked from this one and read their config from the
  // environment: hand them the database we ended up with (embedded or not).
  process.env.DATABASE_URL = database.url;
  const applied = await migrate({ url: database.url, schema: config.DATABASE_SCHEMA });
  if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

  const settings: QueueSettings = {
    name: config.QUEUE_NAME,
    redisUrl: config.REDIS_URL,
    databaseUrl: database.url,
    queueSchema: config.DATABASE_SCHEMA === 'public' ? 'bullmq' : `${config.DATABASE_SCHEMA}_bullmq`,
  };
  const errors = connectionErrors(log);
  // The worker first: its training processes load (seconds) while the API starts, so a job sent
  // as soon as /health answers does not wait for them.
  const worker = role === 'all' || role === 'worker' ? await startWorker(config, settings, database.url, log, errors, role) : undefined;
  const closers: Closer[] = worker ? [worker.stopWarming] : [];
  try {
    if (role === 'all' || role === 'api') closers.push(await startApi(config, settings, database.url, log, errors, worker && (() => warmWithin(worker.warm, log))));
  } catch (err) {
    // A refusal (auth) or a failed start: leave no worker, embedded PostgreSQL or lock behind.
    for (const step of worker?.closers ?? []) await step.close().catch(() => {});
    await database.stop();
    releaseDataDir();
    throw err;
  }
  closers.push(...(worker?.closers ?? []));
  closers.push({ name: 'the embedded PostgreSQL', close: () => database.stop() });
  closers.push({ name: 'the DATA_DIR lock', close: async () => releaseDataDir() });
  onShutdown(log, closers, errors);
  say(`ready in ${Math.round(performance.now() - startedAt)} ms (${role})`);
}

async function startApi(config: Config, settings: QueueSettings, databaseUrl: string, log: Logger, errors: Errors, beforeListen?: () => Promise<void>): Promise<Closer> {
  const db = createPrisma(databaseUrl, config.DATABASE_SCHEMA);
  const auth = decideAuthMode({ setting: config.AUTH, host: config.HOST, adminKeySet: Boolean(config.ADMIN_API_KEY), keysExist: await anyKeyExists(db) });
  if (auth.refuse) {
    await db.$disconnect();
    throw new StartRefused(auth.refuse);
  }
  log.info(`auth ${auth.mode === 'until-first-key' ? 'off' : auth.mode}: ${auth.reason}`);
  const queue = createTrainQueue(settings);
  queue.on('error', errors.handler('queue'));
  const studyQueue = createStudyQueue(settings);
  studyQueue.on('error', errors.handler('study queue'));
  // Rate-limit counts shared by every API instance; an outage lets requests through (skipOnError).
  const rateLimitRedis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }) : undefined;
  rateLimitRedis?.on('error', () => {});
  const { initBackend, describeBackend } = await import('./training/backend/backend.js');
  const backendName = await initBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
  const predictor = new Predictor(db);
  // Started now, so the first large request does not wait seconds for a thread to load tfjs.
  const heavy = createHeavyPool({ threads: config.HEAVY_THREADS, timeoutMs: config.HEAVY_TIMEOUT_S * 1000, maxQueue: config.HEAVY_QUEUE, log: (msg) => log.warn(msg) });
  void heavy.warm();
  const events = new JobEventHub(createTrainQueueEvents(settings), errors.handler('queue events'));
  const dbProbe = createDbProbe(databaseUrl);
  const app = await buildApp(
    {
      config,
      db,
      queue,
      studyQueue,
      queueBackend: queueBackendName(settings),
      checkQueue: () => queue.getJobCounts('waiting'),
      checkDb: () => dbProbe.check(),
      backend: { name: backendName, detail: await describeBackend() },
      predictor,
      events,
      heavy,
      authMode: auth.mode,
      rateLimitRedis,
    },
    { loggerInstance: log },
  );
  // Its plugins load first (seconds on a busy machine), so the wait for the training processes
  // overlaps them rather than following them.
  await app.ready();
  await beforeListen?.();
  await app.listen({ port: config.PORT, host: config.HOST });
  const stopReconciler = startReconciler({ db, queue, log: (msg) => log.info(msg), retentionDays: config.RETENTION_DAYS });
  const stopStudyReconciler = startStudyReconciler({ db, studyQueue, log: (msg) => log.info(msg) });
  return {
    name: 'the API',
    async close() {
      stopReconciler();
      stopStudyReconciler();
      await studyQueue.close();
      await app.close();
      await events.close();
      predictor.dispose();
      await heavy.close();
      await queue.close();
      rateLimitRedis?.disconnect();
      await dbProbe.close();
      await db.$disconnect();
    },
  };
}

/**
 * The training worker and the study worker. `warm` resolves once the first training processes have
 * loaded; `stopWarming` is the first step of a stop (before the API's), `closers` come after the API's.
 */
async function startWorker(
  config: Config,
  settings: QueueSettings,
  databaseUrl: string,
  log: Logger,
  errors: Errors,
  role: Role,
): Promise<{ warm: Promise<void>; stopWarming: Closer; closers: Closer[] }> {
  const workerDb = createPrisma(databaseUrl, config.DATABASE_SCHEMA, { retryForMs: config.DB_RETRY_S * 1000 });
  const worker = startTrainer(config, settings, workerDb, log);
  worker.on('error', errors.handler('worker'));
  // Study controllers run beside the trainer: light steps that launch trials and end studies.
  const trialQueue = createTrainQueue(settings);
  trialQueue.on('error', errors.handler('queue'));
  const studyWorker = createStudyWorker(settings, studyProcessor({ db: workerDb, queue: trialQueue, quotas: config }));
  studyWorker.on('error', errors.handler('study worker'));
  const closers: Closer[] = [
    {
      name: 'the study worker',
      async close() {
        await studyWorker.close();
        await trialQueue.close();
      },
    },
    {
      name: 'the worker',
      async close() {
        await closeTrainer(worker, log);
        log.info('the worker handed its jobs back');
        await workerDb.$disconnect();
      },
    },
  ];
  // Alone, a worker has no API to serve its metrics: it serves them on a port of its own.
  if (role === 'worker' && config.METRICS_PORT !== undefined) {
    const server = await startMetricsServer(config.METRICS_PORT, config.HOST);
    log.info(`worker metrics on http://${config.HOST}:${config.METRICS_PORT}/metrics`);
    closers.push({ name: 'the metrics server', close: () => new Promise((resolve) => server.close(() => resolve(undefined))) });
  }
  log.info(`worker taking jobs from "${settings.name}" on ${queueBackendName(settings)} (concurrency ${config.WORKER_CONCURRENCY})`);
  return { warm: trainerWarm(worker), stopWarming: { name: 'the idle training processes', close: () => stopWarming(worker) }, closers };
}

const role = (process.argv[2] ?? 'all') as Role;
if (!ROLES.includes(role)) {
  console.error(`unknown role "${role}"; use one of: ${ROLES.join(', ')}`);
  process.exit(2);
}
// Before the config is read (it may be what fails); a bad LOG_LEVEL is then reported by name.
const level = (LOG_LEVELS as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info';
const logger = createLogger(level, { role });
main(role, logger).catch((err) => {
  // A known start-up refusal is a message for the user, not a stack trace.
  if (err instanceof DataDirInUseError || err instanceof StartRefused) logger.fatal(err.message);
  else logger.fatal({ err }, `could not start: ${(err as Error).message}`);
  process.exit(1);
});
