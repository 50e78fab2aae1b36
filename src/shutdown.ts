import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { withTimeout } from './services/timeout.js';

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
    handler(source: string) {
      return (err: Error) => {
        if (DATABASE_GOING_AWAY.test(`${(err as { code?: string }).code ?? ''} ${err.message}`)) {
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
 * On SIGINT/SIGTERM (or an uncaught error) runs the steps in order, each bounded in time, and exits
 * 0 when the signal was the reason; a second signal exits at once.
 */
export function onShutdown(log: Logger, steps: Closer[], beforeSteps: () => void = () => {}): void {
  closeWithGrace({ delay: steps.length * STEP_TIMEOUT_MS + 5_000, logger: { error: (m: unknown) => log.error(m) } }, async ({ err, signal }) => {
    beforeSteps();
    if (err) log.error({ err }, 'stopping after an uncaught error');
    log.info(`shutting down (${signal ?? 'error'})`);
    for (const step of steps) {
      await withTimeout(step.close(), STEP_TIMEOUT_MS, step.name).catch((e: Error) => log.warn(`while closing ${step.name}: ${e.message}`));
    }
    log.info('stopped');
  });
}
