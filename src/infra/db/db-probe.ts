import pg from 'pg';
import { sharedReads } from '../concurrency/single-flight.js';

/** Whether the database answers, for GET /health. */
export interface DbProbe {
  /** Resolves once the database answered `SELECT 1`; rejects when it is unreachable. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A probe on a connection of its own, not the request pool's: with 500 event streams or a 40 MB
 * upload holding the pool's 10 connections, /health's query waited in line behind them
 * (`npm run bench:responsiveness`), though the database itself answered at once. A pool
 * of one reconnects by itself after an outage. Probes made at the same time share one query.
 */
export function createDbProbe(url: string): DbProbe {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 0 });
  // An idle connection the server drops is an 'error' event; unheard, it would end the process.
  // The next probe reports the outage.
  pool.on('error', () => {});
  const shared = sharedReads<void>();
  return {
    check: () => shared('probe', async () => void (await pool.query('SELECT 1'))),
    close: () => pool.end(),
  };
}
