/**
 * When to claim due deliveries: at the start, soon after PostgreSQL says some are due (the triggers
 * NOTIFY at commit, see the 20261207180000_webhook_notify migration), and on a slow poll that
 * finds what no notification announced (a claim whose lease ran out, a notification sent while
 * this process was not listening). While the LISTEN connection is down it polls fast instead.
 */
import { listen } from '../../infra/db/notifications.js';
import { schemaOf, urlOf } from '../../infra/db/prisma.js';
import { DISPATCH_BATCH, dispatchDue, type DeliveryDeps } from './delivery-engine.js';

/** The channel the migration's "webhook_notify_due" sends on; the payload is the schema whose deliveries are due. */
export const DELIVERIES_DUE_CHANNEL = 'webhook_due';

/** Between rounds while notifications are heard: only lapsed claims and missed notifications wait this long. */
const LISTENING_POLL_MS = 5_000;
/** Between rounds while they are not (the connection down): as often as a dispatcher looked before it listened. */
const UNHEARD_POLL_MS = 200;

export interface DispatcherOptions {
  /** The poll while listening (default 5 s); tests and benchmarks shorten or lengthen it. */
  pollMs?: number;
  /** The poll while the LISTEN connection is down (default 200 ms, or pollMs when that is shorter). */
  unheardPollMs?: number;
  /** A failed round (the database or the queue down: the next round tries again), or the LISTEN connection failing. */
  onError?: (err: unknown) => void;
}

export interface Dispatcher {
  /** Whether notifications are heard now (false: polling every unheardPollMs). */
  readonly listening: boolean;
  /** No round running, and none asked for. */
  readonly idle: boolean;
  /** Stops the rounds and the polling, and closes the LISTEN connection. */
  close(): Promise<void>;
}

/**
 * Runs rounds of {@link dispatchDue} (each going on at once while it finds a full batch) for the
 * schema of `deps.db`. A notification during a round asks for one more after it: a burst of any
 * size costs at most the round in flight and one more. The LISTEN connection is one of its own, to
 * the database the client uses.
 */
export function startDispatcher(deps: DeliveryDeps, opts: DispatcherOptions = {}): Dispatcher {
  const url = urlOf(deps.db);
  if (!url) throw new Error('the webhook dispatcher needs a database client made by createPrisma (its URL, to LISTEN on)');
  const schema = schemaOf(deps.db) ?? 'public';
  const pollMs = opts.pollMs ?? LISTENING_POLL_MS;
  const unheardPollMs = opts.unheardPollMs ?? Math.min(pollMs, UNHEARD_POLL_MS);
  let stopped = false;
  let running = false;
  let asked = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const scheduleNext = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(wake, listener.listening ? pollMs : unheardPollMs);
  };
  const rounds = async () => {
    try {
      do {
        asked = false;
        try {
          while (!stopped && (await dispatchDue(deps)) === DISPATCH_BATCH);
        } catch (err) {
          opts.onError?.(err);
        }
      } while (asked && !stopped);
    } finally {
      running = false;
      scheduleNext();
    }
  };
  function wake() {
    if (stopped) return;
    if (running) {
      asked = true;
      return;
    }
    clearTimeout(timer);
    running = true;
    inFlight = rounds();
  }

  const listener = listen({
    url,
    channel: DELIVERIES_DUE_CHANNEL,
    applicationName: `webhook dispatcher ${schema}`,
    // Every schema's dispatchers share the channel; the payload says whose deliveries are due.
    onNotification: (payload) => {
      if (payload === schema) wake();
    },
    // Listening (again): a round finds what was notified before. Not: the fast poll until it is.
    onListening: (on) => {
      if (on) wake();
      else if (!running) scheduleNext();
    },
    onError: opts.onError,
  });
  wake();
  return {
    get listening() {
      return listener.listening;
    },
    get idle() {
      return !running && !asked;
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      // A round that has claimed deliveries puts their attempts on the queue before the queue closes;
      // otherwise they would wait out their lease after the next start.
      await inFlight;
      await listener.close();
    },
  };
}
