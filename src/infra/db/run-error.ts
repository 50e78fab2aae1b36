import { isDbError, isDbUnavailable } from './db-errors.js';

/**
 * Words only the database layer writes: Prisma's wrappers (with the call site and the SQLSTATE),
 * the server's own messages (naming databases, relations, constraints) and connection URLs.
 * A run's `error` is shown to its tenant, so text carrying any of them is not stored as it is.
 */
const DRIVER_TEXT = new RegExp(
  [
    'Database error',
    'Raw query failed',
    'Invalid `[^`]*` invocation',
    'Code: `',
    'DriverAdapterError',
    'Prisma',
    'postgres(ql)?://',
    'SQLSTATE',
    'database "',
    'relation "',
    'role "',
    'not currently accepting connections',
    'terminating connection',
    'Connection terminated',
    'the database system is',
    'too many (clients|connections)',
    'remaining connection slots',
    "Can't reach database server",
    'Server has closed the connection',
    'Timed out fetching a new connection',
    'violates [a-z -]*constraint',
    'duplicate key value',
    'syntax error at or near',
  ].join('|'),
  'i',
);

/** What replaces such text: the detail is in the worker's log. */
export const INTERNAL_DB_ERROR = 'an internal database error (the details are in the worker log)';

/** `text`, or {@link INTERNAL_DB_ERROR} in its place when it carries the database layer's words. */
export function safeRunError<T extends string | null | undefined>(text: T): T | string {
  return typeof text === 'string' && DRIVER_TEXT.test(text) ? INTERNAL_DB_ERROR : text;
}

/**
 * An internal error's text for a run's `error`: a database error's message names files, SQL,
 * hosts and databases (Prisma prints the call site), so only what kind it was is kept.
 */
export function describeInternal(err: unknown): string {
  if (isDbError(err)) return isDbUnavailable(err) ? 'the database was unavailable' : 'a database operation failed';
  return safeRunError(err instanceof Error ? err.message : String(err));
}
