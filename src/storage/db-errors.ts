/**
 * Tells a database that is down or dropped its connections (worth a 503 to a client, a retry to a
 * worker) from a query that is wrong (a bug: 500). Prisma wraps the pg driver's errors a few
 * layers deep, with codes at each layer, so every layer is looked at.
 */

/** Prisma's codes for a database it cannot reach, that closed the connection or timed out. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034']);
/** SQLSTATEs: connection exceptions (08), operator intervention (57P: shutdown, terminate), too many connections, serialization. */
const SQLSTATE = /^(08...|57P0[1-5]|53300|40001|40P01)$/;
/** Driver messages without a code (the pg client's own). */
const MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|Can't reach database|Server has closed the connection|terminating connection|Connection terminated|connection timeout|Timed out fetching|not queryable|the database system is (starting up|shutting down|in recovery)|too many clients/i;
const KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict']);

/** True when `err` (or what it wraps) says the database is unreachable or dropped the connection. */
export function isTransientDbError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { code, kind, message, cause, meta, originalCode } = e as Record<string, unknown>;
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof originalCode === 'string' && SQLSTATE.test(originalCode)) return true;
    if (typeof kind === 'string' && KINDS.has(kind)) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    queue.push(cause, (meta as Record<string, unknown> | undefined)?.driverAdapterError);
  }
  return false;
}

/** True when `err` came from the database layer at all (Prisma or the driver): its text is not for clients. */
export function isDbError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^Prisma|DriverAdapterError|DatabaseError/.test(name);
}
