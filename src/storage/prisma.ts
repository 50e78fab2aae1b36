import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';
import { isTransientDbError } from './db-errors.js';

export type Db = PrismaClient;
/** The client, or the client inside an interactive transaction. */
export type DbClient = PrismaClient | Prisma.TransactionClient;

/** Options of {@link createPrisma}. */
export interface PrismaOptions {
  /**
   * Retry an operation that failed because the database was unreachable or dropped the
   * connection, with backoff, for up to this long (workers: a run outlives a database restart).
   * 0 (the API's choice): fail at once, so a client gets a quick 503.
   */
  retryForMs?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Prisma client on the given database and schema (tests use a schema each). */
export function createPrisma(url: string, schema: string, opts: PrismaOptions = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: 10 }, { schema });
  const client = new PrismaClient({ adapter });
  const retryForMs = opts.retryForMs ?? 0;
  if (retryForMs <= 0) return client;
  return client.$extends({
    query: {
      async $allOperations({ args, query }) {
        const deadline = Date.now() + retryForMs;
        for (let attempt = 1; ; attempt++) {
          try {
            return await query(args);
          } catch (err) {
            // Exponential backoff from 250 ms, at most 5 s apart, until the deadline.
            const delay = Math.min(5_000, 250 * 2 ** (attempt - 1));
            if (!isTransientDbError(err) || Date.now() + delay > deadline) throw err;
            opts.onRetry?.(err, attempt, delay);
            await sleep(delay);
          }
        }
      },
    },
  }) as unknown as Db;
}
