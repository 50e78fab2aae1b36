import pg from 'pg';
import { withTimeout } from '../concurrency/timeout.js';
import { retryDelayMs } from './prisma.js';
import { quoteIdent } from './sql.js';

/** What {@link listen} hears, and whom it tells. */
export interface ListenOptions {
  url: string;
  channel: string;
  /** Each notification on the channel, by its payload ('' when it has none). */
  onNotification(payload: string): void;
  /**
   * LISTEN took effect (at the start, and again after each reconnect) or the connection under it
   * ended: what was notified in between was never heard, so a caller looks for itself then.
   */
  onListening?(listening: boolean): void;
  /** The error that ended a listening connection, and the first failed try to make one again (not every try). */
  onError?(err: Error): void;
  /** How the connection shows in pg_stat_activity. */
  applicationName?: string;
  /** How often the idle connection is checked with a query: one that died without a word (a network cut) is found and made again. */
  checkEveryMs?: number;
}

export interface Listener {
  /** Whether LISTEN is in force on a connection that is up, as far as is known. */
  readonly listening: boolean;
  /** Ends the connection; nothing reconnects after. */
  close(): Promise<void>;
}

/** Longest a connect, the LISTEN or a check may take before the connection is given up and made again. */
const ANSWER_MS = 10_000;
const CHECK_EVERY_MS = 30_000;
/** Longest close waits for the server's goodbye: shorter than a shutdown step, which has more to close after it. */
const CLOSE_MS = 2_000;

/**
 * PostgreSQL notifications on one channel, over one connection of their own (a LISTEN lasts as
 * long as its session, and a pool lends its sessions out per query). When the connection ends (the
 * database restarted, an outage, the backend terminated) it is made again, with the same jittered
 * backoff as the Prisma clients' retries, until {@link Listener.close}.
 */
export function listen(opts: ListenOptions): Listener {
  let closed = false;
  let listening = false;
  let current: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let checkTimer: NodeJS.Timeout | undefined;
  // Tries that failed since LISTEN last took effect: the backoff's step.
  let failures = 0;

  const setListening = (value: boolean) => {
    if (listening === value) return;
    listening = value;
    opts.onListening?.(value);
  };

  const connect = async () => {
    retryTimer = undefined;
    if (closed) return;
    const client = new pg.Client({
      connectionString: opts.url,
      application_name: opts.applicationName,
      connectionTimeoutMillis: ANSWER_MS,
      query_timeout: ANSWER_MS,
    });
    current = client;
    let ended = false;
    // Once per connection, whatever ends it first: its 'error', its 'end', a failed connect, LISTEN or check.
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      clearInterval(checkTimer);
      if (current === client) current = undefined;
      void client.end().catch(() => {});
      const wasListening = listening;
      setListening(false);
      if (closed) return;
      // A listening connection that ends starts a streak; each try that fails adds to it.
      if (!wasListening) failures += 1;
      if (err && (wasListening || failures === 1)) opts.onError?.(err);
      retryTimer = setTimeout(() => void connect(), retryDelayMs(failures + 1));
    };
    // Heard even after the end: an error of a client nobody listens to would end the process.
    client.on('error', end);
    client.on('end', () => end(new Error('the LISTEN connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === opts.channel) opts.onNotification(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(opts.channel)}`);
    } catch (err) {
      return end(err as Error);
    }
    // Closed while connecting: close() ends this client (or already did); nothing more to start.
    if (ended || closed) return;
    failures = 0;
    checkTimer = setInterval(() => void client.query('SELECT 1').catch(end), opts.checkEveryMs ?? CHECK_EVERY_MS);
    checkTimer.unref();
    setListening(true);
  };

  void connect();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(checkTimer);
      const client = current;
      // A connection to a server that no longer answers would never say goodbye: bounded.
      if (client) await withTimeout(client.end(), CLOSE_MS, 'closing the LISTEN connection').catch(() => {});
    },
  };
}
