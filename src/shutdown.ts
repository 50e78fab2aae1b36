import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { withTimeout } from './services/timeout.js';
import { isDbError, isDbUnavailable } from './storage/db-errors.js';

/** One step of stopping the service, named for the log. */
export interface Closer {
  name: string;
  close(): Promise<unknown>;
}

/** Longest one step may take: a step that hangs (a store that is gone) must not eat the others' time. */
const STEP_TIMEOUT_MS = 10_000;

/**
 * PostgreSQL's answers when it is shutting down or gone. A terminal's Ctrl-C reaches the embedded
 * PostgreSQL (same process group) as it reaches us, so during a stop these are expected.
 */
const DATABASE_GOING_AWAY = /57P01|terminating connection due to administrator command|Connection terminated|ECONNREFUSED|the database system is shutting down/i;

/**
 * Whether `err` is PostgreSQL going away (shutting down, the connection to it ended) or refusing
 * new sessions for now (any connection failure db-errors.ts knows: 55000, 57P03, too many
 * connections...): the pools reconnect by themselves once it is back.
 */
export function isDatabaseGoingAway(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return DATABASE_GOING_AWAY.test(`${e?.code ?? ''} ${e?.message ?? ''}`) || (isDbUnavailable(err) && isDbError(err));
}

/**
 * Error reporting for long-lived connections (queue, workers, event readers): one line each, and
 * once the database is going away (a stop under way, or the embedded PostgreSQL hit by the same
 * Ctrl-C), a single line saying so instead of one per connection.
 */
export function connectionErrors(log: Logger) {
  let stopping = false;
  let saidGone = false;
  return {
    stopping() {
      stopping = true;
    },
    get isStopping() {
      return stopping;
    },
    handler(source: string) {
      return (err: Error) => {
        if (isDatabaseGoingAway(err)) {
          if (!saidGone) log.warn(stopping ? 'the database is closing' : `the database closed the connection (${source}); is it shutting down?`);
          saidGone = true;
          return;
        }
        log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, `${source} error`);
      };
    },
  };
}

/**
 * On SIGINT/SIGTERM runs the steps in order, each bounded in time, and exits 0; a second signal
 * exits at once. An uncaught error stops the service the same way and exits 1, except a database
 * connection ending: a client that some library holds without an error listener (pg emits
 * `error` on an idle client when PostgreSQL terminates it) is reported in one line, not a crash;
 * the pools it came from reconnect on their own, and during a stop it is expected.
 */
export function onShutdown(log: Logger, steps: Closer[], errors: ReturnType<typeof connectionErrors>): void {
  const runSteps = async () => {
    for (const step of steps) {
      await withTimeout(step.close(), STEP_TIMEOUT_MS, step.name).catch((e: Error) => log.warn(`while closing ${step.name}: ${e.message}`));
    }
    log.info('stopped');
  };
  const grace = closeWithGrace(
    { delay: steps.length * STEP_TIMEOUT_MS + 5_000, logger: { error: (m: unknown) => log.error(m) }, skip: ['uncaughtException', 'unhandledRejection'] },
    async ({ signal }) => {
      errors.stopping();
      log.info(`shutting down (${signal ?? 'stop'})`);
      await runSteps();
    },
  );
  const stray = errors.handler('a database connection');
  const onError = (err: unknown) => {
    if (isDatabaseGoingAway(err)) return stray(err as Error);
    if (errors.isStopping) return log.error({ err }, 'uncaught error while stopping');
    errors.stopping();
    grace.uninstall();
    log.error({ err }, 'stopping after an uncaught error');
    const deadline = setTimeout(() => process.exit(1), steps.length * STEP_TIMEOUT_MS + 5_000);
    deadline.unref();
    void runSteps().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
}
