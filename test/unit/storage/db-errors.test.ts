import { describe, expect, it } from 'vitest';
import { isTransientDbError } from '../../../src/storage/db-errors.js';

describe('isTransientDbError', () => {
  it('knows a database that is down or dropped the connection, however deep it is wrapped', () => {
    expect(isTransientDbError({ name: 'PrismaClientKnownRequestError', code: 'P1001', message: "Can't reach database server" })).toBe(true);
    expect(isTransientDbError({ name: 'PrismaClientKnownRequestError', code: 'P1017', message: 'Server has closed the connection.' })).toBe(true);
    // pg_terminate_backend: SQLSTATE 57P01 inside the adapter's error.
    expect(isTransientDbError({ name: 'PrismaClientUnknownRequestError', message: 'x', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } } })).toBe(true);
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError({ message: 'wrapped', cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' } })).toBe(true);
  });

  it('leaves a wrong query or a constraint alone', () => {
    expect(isTransientDbError({ name: 'PrismaClientKnownRequestError', code: 'P2002', message: 'Unique constraint failed' })).toBe(false);
    expect(isTransientDbError({ name: 'PrismaClientKnownRequestError', code: 'P2025', message: 'Record not found' })).toBe(false);
    expect(isTransientDbError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientDbError(null)).toBe(false);
  });
});
