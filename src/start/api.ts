import type { Logger } from 'pino';
import { buildApp } from '../http/app.js';
import type { Config } from '../infra/config.js';
import { startReconciler } from '../features/jobs/reconciler.js';
import { startStudyReconciler } from '../features/studies/study-driver.js';
import { startDeliveryLogSweep } from '../features/webhooks/log-retention.js';
import { createApiDeps } from './api-deps.js';
import type { Closer, ConnectionErrors } from './shutdown.js';
import { protectWebhookSecrets } from './webhook-secrets.js';

/**
 * The HTTP API, listening on HOST:PORT, with the reconcilers of runs and studies beside it.
 * `beforeListen` runs once the app is ready and before it listens (`all`: the training processes' warm-up).
 */
export async function startApi(config: Config, log: Logger, errors: ConnectionErrors, beforeListen?: () => Promise<void>): Promise<Closer> {
  const deps = await createApiDeps(config, { log, onError: (source) => errors.handler(source) });
  const app = await buildApp(deps, { loggerInstance: log }).catch(async (err: unknown) => {
    await deps.close();
    throw err;
  });
  try {
    // Its plugins load first, so a wait for the training processes overlaps them rather than following them.
    await app.ready();
    await protectWebhookSecrets(config, deps.db, log);
    await beforeListen?.();
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await app.close();
    await deps.close();
    throw err;
  }
  const { db, queue, studyQueue } = deps;
  const stopReconciler = startReconciler({ db, queue, log: (msg) => log.info(msg), retentionDays: config.RETENTION_DAYS });
  const stopStudyReconciler = studyQueue ? startStudyReconciler({ db, studyQueue, log: (msg) => log.info(msg) }) : () => {};
  const stopDeliveryLogSweep = startDeliveryLogSweep(db, config.WEBHOOK_LOG_DAYS, (msg) => log.info(msg));
  return {
    name: 'the API',
    async close() {
      stopReconciler();
      stopStudyReconciler();
      stopDeliveryLogSweep();
      await app.close();
      await deps.close();
    },
  };
}
