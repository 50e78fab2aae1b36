import type { Logger } from 'pino';
import type { Config } from '../infra/config.js';
import { createPrisma } from '../infra/db/prisma.js';
import { startMetricsServer } from '../infra/metrics.js';
import { createStudyWorker } from '../infra/queue/study-queue.js';
import { createTrainQueue, queueBackendName } from '../infra/queue/train-queue.js';
import { studyProcessor } from '../features/studies/study-driver.js';
import { closeTrainer, startTrainer, stopWarming, trainerWarm } from '../worker/worker-process.js';
import { queueSettings } from './queue-settings.js';
import { startWebhookDelivery } from './webhooks.js';
import type { Closer, ConnectionErrors } from './shutdown.js';

/** A started worker: `warm` resolves once its first training processes have loaded. */
export interface StartedWorker {
  warm: Promise<void>;
  /** The first step of a stop, before the API's: idle training processes are killed, not replaced. */
  stopWarming: Closer;
  /** The steps after the API's. */
  closers: Closer[];
}

/**
 * A training worker taking jobs from config's queue, and the study controllers beside it.
 * `alone`: no API in this process to serve its metrics, so it serves them on METRICS_PORT.
 */
export async function startWorker(config: Config, log: Logger, errors: ConnectionErrors, opts: { alone: boolean }): Promise<StartedWorker> {
  const settings = queueSettings(config);
  const workerDb = createPrisma(settings.databaseUrl, config.DATABASE_SCHEMA, { retryForMs: config.DB_RETRY_S * 1000 });
  const worker = startTrainer(config, settings, workerDb, log);
  worker.on('error', errors.handler('worker'));
  // Study controllers run beside the trainer: light steps that launch trials and end studies.
  const trialQueue = createTrainQueue(settings);
  trialQueue.on('error', errors.handler('queue'));
  const studyWorker = createStudyWorker(settings, studyProcessor({ db: workerDb, queue: trialQueue, quotas: config }));
  studyWorker.on('error', errors.handler('study worker'));
  // Webhook deliveries too: the triggers record each event in PostgreSQL, this carries it out.
  const webhooks = startWebhookDelivery(config, settings, workerDb, { onError: errors.handler });
  const closers: Closer[] = [
    webhooks,
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
  if (opts.alone && config.METRICS_PORT !== undefined) {
    const server = await startMetricsServer(config.METRICS_PORT, config.HOST);
    log.info(`worker metrics on http://${config.HOST}:${config.METRICS_PORT}/metrics`);
    closers.push({ name: 'the metrics server', close: () => new Promise((resolve) => server.close(() => resolve(undefined))) });
  }
  log.info(`worker taking jobs from "${settings.name}" on ${queueBackendName(settings)} (concurrency ${config.WORKER_CONCURRENCY})`);
  return { warm: trainerWarm(worker), stopWarming: { name: 'the idle training processes', close: () => stopWarming(worker) }, closers };
}
