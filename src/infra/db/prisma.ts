import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../../generated/prisma/client.js';
import { DatabaseUnavailableError, isDbUnavailable, isTransientDbError } from './db-errors.js';

export type Db = PrismaClient;
/** The client, or the client inside an interactive transaction. */
export type DbClient = PrismaClient | Prisma.TransactionClient;

/** The pg pool under each client, for the few hot reads that skip Prisma (see poolOf). */
const pools = new WeakMap<object, { pool?: pg.Pool; url: string; schema: string; retry?: Pick<PrismaOptions, 'retryForMs' | 'onRetry'> }>();

/**
 * The pg pool the client's queries go through, while it is connected (Prisma connects on its
 * first query); undefined before, after $disconnect, and for clients not made by createPrisma.
 * For hot paths that profit from named prepared statements and no query-engine work per call
 * (GET /jobs/:id and GET /jobs, as `npm run bench:api` measures them); everything else stays on Prisma.
 */
export function poolOf(db: Db): pg.Pool | undefined {
  const pool = pools.get(db)?.pool;
  return pool && !pool.ending && !pool.ended ? pool : undefined;
}

/** How the client retries an operation while the database is unreachable (createPrisma's options). */
export function retryOf(db: Db): Pick<PrismaOptions, 'retryForMs' | 'onRetry'> {
  return pools.get(db)?.retry ?? {};
}

/** Backoff between two tries while the database is unavailable: doubling from this... */
const RETRY_FIRST_MS = 250;
/** ...up to this. */
const RETRY_CAP_MS = 5_000;

/**
 * The wait before try `attempt + 1`: doubling, capped, and jittered (between half and all of it),
 * so the processes of a fleet that lost the database together do not all knock again at once.
 */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `operation`, again after a transient database error (unavailable, a dropped connection,
 * a serialization conflict), with backoff (see retryDelayMs), for up to `retryForMs`; 0 or less:
 * once. Still unavailable when the time is up: a DatabaseUnavailableError wrapping the last
 * error, so that a worker can tell an outage it waited out from the failures of anything else
 * that speaks TCP (a dataset download's ECONNREFUSED is not the database's).
 */
export async function retryTransient<T>(operation: () => Promise<T>, { retryForMs = 0, onRetry }: Pick<PrismaOptions, 'retryForMs' | 'onRetry'>): Promise<T> {
  const started = Date.now();
  const deadline = started + retryForMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      const left = deadline - Date.now();
      if (retryForMs <= 0 || !isTransientDbError(err)) throw err;
      if (left <= 0) throw isDbUnavailable(err) && !(err instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(Date.now() - started, err) : err;
      const delay = Math.min(left, retryDelayMs(attempt));
      onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The PostgreSQL schema the client's tables are in (for hand-written SQL on {@link poolOf}'s pool). */
export function schemaOf(db: Db): string | undefined {
  return pools.get(db)?.schema;
}

/** The connection string the client was made with (for a connection of one's own beside it, as LISTEN needs). */
export function urlOf(db: Db): string | undefined {
  return pools.get(db)?.url;
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
      // An idle connection the server drops (a restart, an outage) is an 'error' event on the
      // pool; unheard, it would end the process. The pool discards that client by itself, and
      // the next query reports the outage (503 in the API, retried in a worker).
      pool.on('error', () => {});
      slot.pool = pool;
      return new PrismaPg(pool, { schema, disposeExternalPool: true }).connect();
    },
  };
}

/** Options of {@link createPrisma}. */
export interface PrismaOptions {
  /**
   * Retry an operation that failed because the database was unreachable or dropped the
   * connection, with jittered backoff (at most 5 s apart), for up to this long (workers: a run
   * outlives a database restart).
   * 0 (the API's choice): fail at once, so a client gets a quick 503.
   */
  retryForMs?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Prisma client on the given database and schema (tests use a schema each). */
export function createPrisma(url: string, schema: string, opts: PrismaOptions = {}): Db {
  const slot: { pool?: pg.Pool; url: string; schema: string; retry: Pick<PrismaOptions, 'retryForMs' | 'onRetry'> } = {
    url,
    schema,
    retry: { retryForMs: opts.retryForMs, onRetry: opts.onRetry },
  };
  const client = new PrismaClient({ adapter: sharedPoolAdapter({ connectionString: url, max: 10 }, schema, slot) });
  pools.set(client, slot);
  const retryForMs = opts.retryForMs ?? 0;
  if (retryForMs <= 0) return client;
  const extended = client.$extends({
    query: {
      $allOperations: ({ args, query }) => retryTransient(() => query(args), slot.retry),
    },
  }) as unknown as Db;
  pools.set(extended, slot);
  return extended;
}
