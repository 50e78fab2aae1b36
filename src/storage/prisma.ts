import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';
import { isTransientDbError } from './db-errors.js';

export type Db = PrismaClient;
/** The client, or the client inside an interactive transaction. */
export type DbClient = PrismaClient | Prisma.TransactionClient;

/** The pg pool under each client, for the few hot reads that skip Prisma (see poolOf). */
const pools = new WeakMap<object, { pool?: pg.Pool; schema: string }>();

/**
 * The pg pool the client's queries go through, while it is connected (Prisma connects on its
 * first query); undefined before, after $disconnect, and for clients not made by createPrisma.
 * For hot paths that profit from named prepared statements and no query-engine work per call
 * (GET /jobs/:id and GET /jobs: bench/results.md, part (f)); everything else stays on Prisma.
 */
export function poolOf(db: Db): pg.Pool | undefined {
  const pool = pools.get(db)?.pool;
  return pool && !pool.ending && !pool.ended ? pool : undefined;
}

/** The PostgreSQL schema the client's tables are in (for hand-written SQL on {@link poolOf}'s pool). */
export function schemaOf(db: Db): string | undefined {
  return pools.get(db)?.schema;
}

/**
 * PrismaPg on a pool of our own, so that poolOf can hand it out: a fresh pool per connect (Prisma
 * connects again after $disconnect), ended by the adapter when Prisma disconnects.
 */
function sharedPoolAdapter(config: pg.PoolConfig, schema: string, slot: { pool?: pg.Pool }) {
  const template = new PrismaPg(config, { schema });
  return {
    provider: 'postgres' as const,
    adapterName: template.adapterName,
    async connect() {
      const pool = new pg.Pool(config);
      slot.pool = pool;
      return new PrismaPg(pool, { schema, disposeExternalPool: true }).connect();
    },
  };
}

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
  const slot: { pool?: pg.Pool; schema: string } = { schema };
  const client = new PrismaClient({ adapter: sharedPoolAdapter({ connectionString: url, max: 10 }, schema, slot) });
  pools.set(client, slot);
  const retryForMs = opts.retryForMs ?? 0;
  if (retryForMs <= 0) return client;
  const extended = client.$extends({
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
  pools.set(extended, slot);
  return extended;
}
