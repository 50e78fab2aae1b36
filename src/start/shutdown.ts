import type { Logger } from 'pino';
import { withTimeout } from '../infra/concurrency/timeout.js';
import { isDbError, isDbUnavailable } from '../infra/db/db-errors.js';

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
const DATABASE_GOING_AWAY =
  /57P01|terminating connection due to administrator command|Connection terminated|ECONNREFUSED|the database system is shutting down/i;

/**
 * Whether `err` is PostgreSQL going away (shutting down, the connection to it ended) or refusing
 * new sessions for now (any connection failure `isDbUnavailable` knows: 55000, 57P03, too many
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
          // During a stop the service closes the database itself, last: a pool's idle connection
          // ending then is expected, not a warning.
          if (!saidGone) {
            if (stopping) log.debug(`the database is closing (${source})`);
            else log.warn(`the database closed the connection (${source}); is it shutting down?`);
          }
          saidGone = true;
          return;
        }
        log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, `${source} error`);
      };
    },
  };
}

export type ConnectionErrors = ReturnType<typeof connectionErrors>;

/** Signals that ask the service to stop. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A signal this soon after the first is the same request arriving twice, not an impatient user:
 * a terminal's Ctrl-C reaches both npm and the service, and npm relays it to the service again.
 */
export const REPEAT_SIGNAL_GRACE_MS = 1_000;

/**
 * On SIGINT/SIGTERM/SIGHUP runs the steps in order, each bounded in time, and exits 0. A second
 * signal forces an exit (1) only when it comes more than {@link REPEAT_SIGNAL_GRACE_MS} after the
 * first. An uncaught error stops the service the same way and exits 1, except a database
 * connection ending: a client that some library holds without an error listener (pg emits
 * `error` on an idle client when PostgreSQL terminates it) is reported in one line, not a crash;
 * the pools it came from reconnect on their own, and during a stop it is expected.
 */
export function onShutdown(log: Logger, steps: Closer[], errors: ConnectionErrors): void {
  const deadlineMs = steps.length * STEP_TIMEOUT_MS + 5_000;
  let running: Promise<void> | undefined;
  const stop = (why: string, code: number) => {
    if (running) return running;
    errors.stopping();
    const deadline = setTimeout(() => {
      log.error(`still stopping after ${deadlineMs} ms; exiting`);
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    running = (async () => {
      log.info(`shutting down (${why})`);
      for (const step of steps) {
        await withTimeout(step.close(), STEP_TIMEOUT_MS, step.name).catch((e: Error) => log.warn(`while closing ${step.name}: ${e.message}`));
      }
      log.info('stopped');
      process.exit(code);
    })();
    return running;
  };

  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!firstSignalAt) {
      firstSignalAt = performance.now();
      void stop(signal, 0);
      return;
    }
    if (performance.now() - firstSignalAt < REPEAT_SIGNAL_GRACE_MS) return;
    log.error(`second ${signal} while stopping; exiting now`);
    process.exit(1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  const stray = errors.handler('a database connection');
  const onError = (err: unknown) => {
    if (isDatabaseGoingAway(err)) return stray(err as Error);
    if (errors.isStopping) return log.error({ err }, 'uncaught error while stopping');
    log.error({ err }, 'stopping after an uncaught error');
    void stop('uncaught error', 1);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
}
