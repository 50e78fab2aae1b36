import type { Logger } from 'pino';
import { loadConfig } from '../infra/config.js';
import { lockDataDir } from '../infra/db/data-dir-lock.js';
import { openDatabase } from '../infra/db/database.js';
import { migrate } from '../infra/db/migrate.js';
import { startApi } from './api.js';
import { connectionErrors, onShutdown, type Closer } from './shutdown.js';
import { warmWithin } from './warm-within.js';
import { startWorker } from './worker.js';

/** What one process runs: the API and an in-process worker (`all`), or one of them. */
export type ServiceRole = 'all' | 'api' | 'worker';

/**
 * Opens the database (an embedded one when DATABASE_URL is unset), migrates it, starts the role's
 * parts and stops them in order on a signal.
 */
export async function startService(role: ServiceRole, log: Logger): Promise<void> {
  const startedAt = performance.now();
  const env = loadConfig();
  const say = (msg: string) => log.info(msg);
  // `npm start` owns its DATA_DIR's embedded database; `api` and `worker` join one on purpose.
  const releaseDataDir = role === 'all' && !env.DATABASE_URL ? await lockDataDir(env.DATA_DIR) : () => {};
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, log: say });
  // The sandboxed training processes are forked from this one and read their config from the
  // environment: hand them the database this process ended up with (embedded or not).
  process.env.DATABASE_URL = database.url;
  // Everything below reads the database from the config, the embedded one's included.
  const config = { ...env, DATABASE_URL: database.url };
  const applied = await migrate({ url: database.url, schema: config.DATABASE_SCHEMA });
  if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

  const errors = connectionErrors(log);
  // The worker first: its training processes load while the API starts, so a job sent as soon as
  // /health answers does not wait for them.
  const worker = role === 'all' || role === 'worker' ? await startWorker(config, log, errors, { alone: role === 'worker' }) : undefined;
  const closers: Closer[] = worker ? [worker.stopWarming] : [];
  try {
    if (role === 'all' || role === 'api') closers.push(await startApi(config, log, errors, worker && (() => warmWithin(worker.warm, log))));
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
