/**
 * Tells what a database error means for the caller:
 * - unavailable: no connection could be had or kept (server down, restarting or refusing new
 *   sessions, out of connection slots or other resources, network gone, credentials or database
 *   rejected at connect): a 503 to a client, waited out by a worker;
 * - conflict: a serialization failure or deadlock, which succeeds when run again;
 * - anything else from the database layer is a bug or bad data: a 500, its text only in the log.
 *
 * Prisma wraps the pg driver's errors a few layers deep, with codes at each layer (its own, the
 * adapter's `kind`, the SQLSTATE), and pg's own errors reach us bare on the hand-written hot
 * paths; every layer is looked at. Classified by what happened (no connection), not by a list of
 * the few SQLSTATEs seen so far: a FATAL or PANIC from the server always ends or refuses the
 * session, whatever its code (55000 "not currently accepting connections" is one).
 *
 * A database that does not exist (3D000) or credentials it refuses (28xxx) are counted as
 * unavailable too: nothing a client sent causes them, the same answer comes again until an
 * operator acts (a database restored or recreated, a password rotated), and a worker that cannot
 * connect could not record a job's failure anyway, so it keeps the job queued instead.
 */

/**
 * Prisma's codes: authentication failed, can't reach, connect timeout, database missing,
 * operations timed out, access denied, TLS, connection closed, pool timeout, too many connections.
 */
const PRISMA_UNAVAILABLE = new Set(['P1000', 'P1001', 'P1002', 'P1003', 'P1008', 'P1010', 'P1011', 'P1017', 'P2024', 'P2037']);
/** @prisma/adapter-pg's kinds for the same (the SQLSTATE is then only in `originalCode`). */
const KINDS_UNAVAILABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'TlsConnectionError',
]);
/**
 * SQLSTATEs: class 08 (connection exception), 28 (invalid authorization), 53 (insufficient
 * resources: 53300 too many connections, disk full, out of memory), 57P01-57P05 (admin or crash
 * shutdown, cannot connect now, database dropped, idle session timeout), 3D000 (no such database).
 */
const SQLSTATE_UNAVAILABLE = /^(08|28|53)[0-9A-Z]{3}$|^57P0[1-5]$|^3D000$/;
/** Node's socket errors on connect or on a live connection. */
const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);
/** Texts of errors that carry no code: pg and pg-pool's own, and Prisma's when it drops the code. */
const MESSAGES = new RegExp(
  [
    'ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH',
    "Can't reach database",
    'Server has closed the connection',
    'terminating connection',
    'Connection terminated',
    'connection timeout',
    'timeout exceeded when trying to connect',
    'Timed out fetching',
    'not queryable',
    'the database system is (starting up|shutting down|in recovery|not yet accepting connections)',
    'not currently accepting connections',
    'too many (clients|connections)',
    'remaining connection slots are reserved',
  ].join('|'),
  'i',
);

/**
 * A database still unavailable after a client waited for it (createPrisma's `retryForMs`); the
 * last driver error is its `cause`, for the log only. Its own text names no host or database.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    readonly waitedMs: number,
    cause: unknown,
  ) {
    super(`the database was unavailable for ${Math.round(waitedMs / 1000)} s`, { cause });
  }
}

const PRISMA_CONFLICT = new Set(['P2034']);
const SQLSTATE_CONFLICT = new Set(['40001', '40P01']);

/** Every layer of `err`: itself, its `cause` chain and the adapter error Prisma keeps in `meta`. */
function* layers(err: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const layer = e as Record<string, unknown>;
    yield layer;
    queue.push(layer.cause, (layer.meta as Record<string, unknown> | undefined)?.driverAdapterError);
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** True when `err` (or what it wraps) says no database connection could be had or kept. */
export function isDbUnavailable(err: unknown): boolean {
  for (const e of layers(err)) {
    if (e.name === 'DatabaseUnavailableError') return true;
    const code = str(e.code);
    const sqlstate = str(e.originalCode) ?? code;
    if (code && (PRISMA_UNAVAILABLE.has(code) || NODE_CODES.has(code))) return true;
    if (sqlstate && SQLSTATE_UNAVAILABLE.test(sqlstate)) return true;
    if (str(e.kind) && KINDS_UNAVAILABLE.has(e.kind as string)) return true;
    // The server ends or refuses the session with FATAL (PANIC: it is crashing).
    if (e.severity === 'FATAL' || e.severity === 'PANIC') return true;
    if (str(e.message) && MESSAGES.test(e.message as string)) return true;
  }
  return false;
}

/** True when `err` is a serialization failure or deadlock: the same work, run again, succeeds. */
export function isDbConflict(err: unknown): boolean {
  for (const e of layers(err)) {
    const code = str(e.code);
    if (code && (PRISMA_CONFLICT.has(code) || SQLSTATE_CONFLICT.has(code))) return true;
    if (str(e.originalCode) && SQLSTATE_CONFLICT.has(e.originalCode as string)) return true;
    if (e.kind === 'TransactionWriteConflict') return true;
  }
  return false;
}

/** True when running the operation again later may succeed: the database unavailable, or a conflict. */
export function isTransientDbError(err: unknown): boolean {
  return isDbUnavailable(err) || isDbConflict(err);
}

/** Texts only pg and pg-pool write (a bare ECONNREFUSED may be any client's). */
const PG_ONLY_MESSAGES =
  /Connection terminated|terminating connection|not queryable|timeout exceeded when trying to connect|the database system is|not currently accepting connections/i;

/**
 * True when `err` (or what it wraps) came from the database layer (Prisma, the adapter, pg, or a
 * client that waited for it): its text is not for clients.
 */
export function isDbError(err: unknown): boolean {
  for (const e of layers(err)) {
    const name = str(e.name) ?? '';
    if (/^Prisma|DriverAdapterError|DatabaseError|DatabaseUnavailableError/.test(name) || e.constructor?.name === 'DatabaseError') return true;
    // pg's server errors: a severity and a five-character SQLSTATE.
    if (typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return true;
    if (str(e.message) && PG_ONLY_MESSAGES.test(e.message as string)) return true;
  }
  return false;
}
