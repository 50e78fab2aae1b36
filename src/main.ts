/**
 * Entry point: `tsx src/main.ts [all|api|worker|create-key]`.
 * all        - API and one in-process worker (what `npm start` runs)
 * api        - the HTTP API alone
 * worker     - a training worker alone (start more to scale out)
 * create-key - prints a new API key, straight from the database (`npm run create-key -- --help`)
 */
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createTrainQueue, createTrainQueueEvents, queueBackendName, type QueueSettings } from './jobs/queue.js';
import { createStudyQueue, createStudyWorker } from './jobs/study-queue.js';
import { startStudyReconciler, studyProcessor } from './services/study-driver.js';
import { JobEventHub } from './services/event-hub.js';
import { Predictor } from './services/predictor.js';
import { createHeavyPool } from './services/heavy-pool.js';
import { startReconciler } from './services/reconciler.js';
import { openDatabase } from './storage/database.js';
import { migrate } from './storage/migrate.js';
import { createPrisma } from './storage/prisma.js';
import { startTrainer } from '../workers/trainer.js';
import { decideAuthMode } from './auth/mode.js';
import { createKeyCommand } from './cli/create-key.js';
import { REDACT_SECRETS } from './plugins/auth.js';
import { anyKeyExists } from './services/api-keys.js';

const ROLES = ['all', 'api', 'worker', 'create-key'] as const;
type Role = (typeof ROLES)[number];

async function main(role: Role): Promise<void> {
  if (role === 'create-key') {
    process.exitCode = await createKeyCommand(process.argv.slice(3));
    return;
  }
  const config = loadConfig();
  const log = (msg: string) => console.log(`[${role}] ${msg}`);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log });
  // The sandboxed training processes are forked from this one and read their config from the
  // environment: hand them the database we ended up with (embedded or not).
  process.env.DATABASE_URL = database.url;
  const applied = await migrate({ url: database.url, schema: config.DATABASE_SCHEMA });
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);

  const settings: QueueSettings = {
    name: config.QUEUE_NAME,
    redisUrl: config.REDIS_URL,
    databaseUrl: database.url,
    queueSchema: config.DATABASE_SCHEMA === 'public' ? 'bullmq' : `${config.DATABASE_SCHEMA}_bullmq`,
  };
  const closers: Array<() => Promise<unknown>> = [];

  if (role === 'all' || role === 'worker') {
    const workerDb = createPrisma(database.url, config.DATABASE_SCHEMA, { retryForMs: config.DB_RETRY_S * 1000 });
    const worker = startTrainer(config, settings, workerDb);
    worker.on('error', (err) => log(`worker error: ${err.message}`));
    // Study controllers run beside the trainer: light steps that launch trials and end studies.
    const trialQueue = createTrainQueue(settings);
    trialQueue.on('error', (err) => log(`queue error: ${err.message}`));
    const studyWorker = createStudyWorker(settings, studyProcessor({ db: workerDb, queue: trialQueue, quotas: config }));
    studyWorker.on('error', (err) => log(`study worker error: ${err.message}`));
    closers.push(async () => {
      await studyWorker.close();
      await trialQueue.close();
    });
    closers.push(async () => {
      // Stop taking jobs and hand the running ones back (their training processes stop within
      // a batch and leave the run `running`), so another worker takes them up now rather than
      // after this one's lock expires.
      worker.cancelAllJobs('worker shutting down');
      await worker.close();
      await workerDb.$disconnect();
    });
    log(`worker taking jobs from "${settings.name}" on ${queueBackendName(settings)} (concurrency ${config.WORKER_CONCURRENCY})`);
  }

  if (role === 'all' || role === 'api') {
    const db = createPrisma(database.url, config.DATABASE_SCHEMA);
    const auth = decideAuthMode({ setting: config.AUTH, host: config.HOST, adminKeySet: Boolean(config.ADMIN_API_KEY), keysExist: await anyKeyExists(db) });
    if (auth.refuse) {
      await db.$disconnect();
      await database.stop();
      throw new Error(auth.refuse);
    }
    log(`auth ${auth.mode === 'until-first-key' ? 'off' : auth.mode}: ${auth.reason}`);
    const queue = createTrainQueue(settings);
    queue.on('error', (err) => log(`queue error: ${err.message}`));
    // Rate-limit counts shared by every API instance; an outage lets requests through (skipOnError).
    const rateLimitRedis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }) : undefined;
    rateLimitRedis?.on('error', () => {});
    const studyQueue = createStudyQueue(settings);
    studyQueue.on('error', (err) => log(`study queue error: ${err.message}`));
    const { initBackend, describeBackend } = await import('./training/backend.js');
    const backendName = await initBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
    const predictor = new Predictor(db);
    // Started now, so the first large request does not wait seconds for a thread to load tfjs.
    const heavy = createHeavyPool({ threads: config.HEAVY_THREADS, timeoutMs: config.HEAVY_TIMEOUT_S * 1000, maxQueue: config.HEAVY_QUEUE, log });
    void heavy.warm();
    const events = new JobEventHub(createTrainQueueEvents(settings));
    const app = await buildApp(
      {
        config,
        db,
        queue,
        studyQueue,
        queueBackend: queueBackendName(settings),
        checkQueue: () => queue.getJobCounts('waiting'),
        backend: { name: backendName, detail: await describeBackend() },
        predictor,
        events,
        heavy,
        authMode: auth.mode,
        rateLimitRedis,
      },
      { logger: { level: config.LOG_LEVEL, redact: REDACT_SECRETS } },
    );
    await app.listen({ port: config.PORT, host: config.HOST });
    const stopReconciler = startReconciler({ db, queue, log, retentionDays: config.RETENTION_DAYS });
    const stopStudyReconciler = startStudyReconciler({ db, studyQueue, log });
    closers.unshift(async () => {
      stopReconciler();
      stopStudyReconciler();
      await studyQueue.close();
      await app.close();
      await events.close();
      predictor.dispose();
      await heavy.close();
      await queue.close();
      rateLimitRedis?.disconnect();
      await db.$disconnect();
    });
  }
  closers.push(() => database.stop());

  closeWithGrace({ delay: 30_000 }, async ({ err, signal }) => {
    if (err) console.error(err);
    log(`shutting down (${signal ?? 'error'})`);
    for (const close of closers) await close().catch((e: Error) => log(`while closing: ${e.message}`));
  });
}

const role = (process.argv[2] ?? 'all') as Role;
if (!ROLES.includes(role)) {
  console.error(`unknown role "${role}"; use one of: ${ROLES.join(', ')}`);
  process.exit(2);
}
main(role).catch((err) => {
  console.error(err);
  process.exit(1);
});
