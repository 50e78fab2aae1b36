import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isDbConflict, isDbError, isDbUnavailable, isTransientDbError } from '../../../../src/infra/db/db-errors.js';
import { retryDelayMs } from '../../../../src/infra/db/prisma.js';
import { INTERNAL_DB_ERROR, describeInternal, safeRunError } from '../../../../src/infra/db/run-error.js';
import { isDatabaseOutage, outageDelayMs } from '../../../../src/infra/db/db-outage.js';
import { isDatabaseGoingAway } from '../../../../src/start/shutdown.js';

/** What @prisma/adapter-pg 7 throws for a server error: Prisma's error around the adapter's, around the pg fields. */
function prismaError(code: string, cause: Record<string, unknown>, message = 'Invalid `db.run.count()` invocation') {
  const adapter = Object.assign(new Error(String(cause.message ?? cause.kind)), { name: 'DriverAdapterError', cause });
  return Object.assign(new Error(message), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: { modelName: 'Run', driverAdapterError: adapter },
    clientVersion: '7.10.1',
  });
}
/** pg's own DatabaseError, as the hand-written hot paths (GET /jobs/:id, POST /jobs) get it. */
function pgError(code: string, severity: string, message: string) {
  class DatabaseError extends Error {}
  return Object.assign(new DatabaseError(message), { name: 'error', code, severity, file: 'postinit.c', routine: 'CheckMyDatabase' });
}

// ALLOW_CONNECTIONS false, reproduced: SQLSTATE 55000, FATAL, in Prisma's generic P2039 wrapper.
const notAccepting = prismaError(
  'P2039',
  {
    originalCode: '55000',
    originalMessage: 'database "x" is not currently accepting connections',
    kind: 'postgres',
    code: '55000',
    severity: 'FATAL',
    message: 'database "x" is not currently accepting connections',
  },
  'Database error. Code: `55000`. Message: `database "x" is not currently accepting connections`',
);

describe('isDbUnavailable', () => {
  it('knows a database that refuses new sessions, whatever the SQLSTATE, however deep it is wrapped', () => {
    expect(isDbUnavailable(notAccepting)).toBe(true);
    expect(isDbUnavailable(pgError('55000', 'FATAL', 'database "x" is not currently accepting connections'))).toBe(true);
    // Any FATAL from the server ends or refuses the session, even with a code not listed anywhere.
    expect(isDbUnavailable(prismaError('P2039', { kind: 'postgres', code: 'XX999', severity: 'FATAL', message: 'something new' }))).toBe(true);
    expect(isDbUnavailable(pgError('57P03', 'FATAL', 'the database system is starting up'))).toBe(true);
    expect(
      isDbUnavailable(
        prismaError('P2010', { kind: 'postgres', code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' }),
      ),
    ).toBe(true);
    expect(
      isDbUnavailable({ name: 'PrismaClientUnknownRequestError', message: 'x', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P02' } } } }),
    ).toBe(true);
  });

  it('knows connection exceptions (08), insufficient resources (53), and the adapter kinds that lose the SQLSTATE', () => {
    expect(isDbUnavailable(pgError('08006', 'ERROR', 'connection failure'))).toBe(true);
    expect(isDbUnavailable(pgError('53100', 'ERROR', 'could not extend file: No space left on device'))).toBe(true);
    expect(isDbUnavailable(prismaError('P2037', { originalCode: '53300', kind: 'TooManyConnections', cause: 'too many connections for role "r"' }))).toBe(true);
    expect(isDbUnavailable(prismaError('P1003', { originalCode: '3D000', kind: 'DatabaseDoesNotExist', db: 'gone' }))).toBe(true);
    expect(isDbUnavailable(prismaError('P1010', { originalCode: '28000', kind: 'DatabaseAccessDenied' }))).toBe(true);
    expect(
      isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P2024', message: 'Timed out fetching a new connection from the connection pool.' }),
    ).toBe(true);
  });

  it("knows Prisma's own codes, the socket errors and pg's texts without a code", () => {
    expect(isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P1001', message: "Can't reach database server" })).toBe(true);
    expect(isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P1017', message: 'Server has closed the connection.' })).toBe(true);
    expect(isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P1002', message: 'timed out' })).toBe(true);
    expect(isDbUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDbUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDbUnavailable({ message: 'wrapped', cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' } })).toBe(true);
    expect(isDbUnavailable(Object.assign(new Error('read'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isDbUnavailable(new DatabaseUnavailableError(3_000, notAccepting))).toBe(true);
  });

  it('leaves a wrong query, bad data, a constraint and a conflict alone', () => {
    expect(isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P2002', message: 'Unique constraint failed' })).toBe(false);
    expect(isDbUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P2025', message: 'Record not found' })).toBe(false);
    expect(isDbUnavailable(prismaError('P2010', { originalCode: '42703', kind: 'ColumnNotFound', column: 'x' }))).toBe(false);
    expect(isDbUnavailable(prismaError('P2010', { kind: 'postgres', code: '22012', severity: 'ERROR', message: 'division by zero' }))).toBe(false);
    // 55000 is also "object not in prerequisite state" on a live session: only FATAL is an outage.
    expect(isDbUnavailable(pgError('55000', 'ERROR', 'cannot ALTER TABLE because it has pending trigger events'))).toBe(false);
    expect(isDbUnavailable(pgError('40001', 'ERROR', 'could not serialize access'))).toBe(false);
    expect(isDbUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDbUnavailable(null)).toBe(false);
  });
});

describe('isDbConflict and isTransientDbError', () => {
  it('retries conflicts and outages, nothing else', () => {
    expect(isDbConflict(pgError('40001', 'ERROR', 'could not serialize access'))).toBe(true);
    expect(isDbConflict(prismaError('P2034', { originalCode: '40P01', kind: 'TransactionWriteConflict' }))).toBe(true);
    expect(isDbConflict(notAccepting)).toBe(false);
    expect(isTransientDbError(notAccepting)).toBe(true);
    expect(isTransientDbError(pgError('40P01', 'ERROR', 'deadlock detected'))).toBe(true);
    expect(isTransientDbError({ name: 'PrismaClientKnownRequestError', code: 'P2002', message: 'Unique constraint failed' })).toBe(false);
  });
});

describe('a worker treats only the database as an outage', () => {
  it('hands back on a database error, not on another service refusing a connection', () => {
    expect(isDatabaseOutage(notAccepting)).toBe(true);
    expect(isDatabaseOutage(new DatabaseUnavailableError(1, new Error('Connection terminated unexpectedly')))).toBe(true);
    expect(isDatabaseOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    // A dataset download's refusal is the download's failure, which may be for good.
    expect(isDatabaseOutage(Object.assign(new Error('connect ECONNREFUSED 203.0.113.1:443'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDbError(Object.assign(new Error('connect ECONNREFUSED 203.0.113.1:443'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDatabaseGoingAway(notAccepting)).toBe(true);
  });
});

describe('backoff', () => {
  it('doubles from 250 ms, is capped at 5 s, and is jittered between half and all of it', () => {
    expect(retryDelayMs(1, () => 1)).toBe(250);
    expect(retryDelayMs(1, () => 0)).toBe(125);
    expect(retryDelayMs(3, () => 1)).toBe(1_000);
    expect(retryDelayMs(10, () => 1)).toBe(5_000);
    expect(retryDelayMs(10, () => 0)).toBe(2_500);
    expect(outageDelayMs(() => 0)).toBe(5_000);
    expect(outageDelayMs(() => 1)).toBe(10_000);
  });
});

describe('the text a tenant sees as a job error', () => {
  it("never holds the driver's words", () => {
    expect(describeInternal(notAccepting)).toBe('the database was unavailable');
    expect(describeInternal(prismaError('P2010', { kind: 'postgres', code: '22012', severity: 'ERROR', message: 'division by zero' }))).toBe(
      'a database operation failed',
    );
    expect(describeInternal(pgError('23505', 'ERROR', 'duplicate key value violates unique constraint "Model_jobId_key"'))).toBe('a database operation failed');
    for (const text of [
      'Database error. Code: `55000`. Message: `database "x" is not currently accepting connections`',
      'the training process stopped 5 times; last: \nInvalid `db.run.findUnique()` invocation in\n/app/src/worker/execute-run.ts:52:30',
      'Raw query failed. Code: `57P01`. Message: `terminating connection due to administrator command`',
      'connect to postgresql://user@db:5432/prod failed',
    ]) {
      expect(safeRunError(text)).toBe(INTERNAL_DB_ERROR);
      expect(INTERNAL_DB_ERROR).not.toMatch(/55000|accepting connections|Database error/);
    }
  });

  it('keeps what a tenant can act on', () => {
    expect(describeInternal(new Error('the loss became NaN at epoch 3'))).toBe('the loss became NaN at epoch 3');
    expect(safeRunError('the training process stopped 5 times; last: the database was unavailable')).toBe(
      'the training process stopped 5 times; last: the database was unavailable',
    );
    expect(safeRunError(null)).toBeNull();
  });
});
