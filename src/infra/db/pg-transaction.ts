import type pg from 'pg';
import { poolOf, retryOf, retryTransient, schemaOf, type Db } from './prisma.js';

/**
 * Runs `work` in one transaction on one connection of the client's own pg pool (BEGIN ... COMMIT,
 * ROLLBACK when it throws). For writes of large byte columns: node-postgres sends a Buffer
 * parameter as binary, where Prisma would turn the bytes into base64 and back on the event loop
 * (one long block for a large upload: `npm run bench:responsiveness`). `schema` is the tables'.
 */
export async function inPgTransaction<T>(db: Db, work: (client: pg.PoolClient, schema: string) => Promise<T>): Promise<T> {
  // A worker's client retries while the database is unreachable (DB_RETRY_S), as its Prisma
  // queries do: the transaction rolled back, so the whole of it runs again.
  return retryTransient(() => once(db, work), retryOf(db));
}

/**
 * A connection of the client's own pg pool (Prisma opens the pool on its first query) and the
 * tables' schema. Give it back with `done`, with an error if it must not be reused: one whose
 * connection dropped while checked out is closed then, never handed out again.
 */
export async function checkoutPg(db: Db): Promise<{ client: pg.PoolClient; schema: string; done(err?: Error): void }> {
  let pool = poolOf(db);
  if (!pool) {
    await db.$queryRaw`SELECT 1`;
    pool = poolOf(db);
  }
  const schema = schemaOf(db);
  if (!pool || schema === undefined) throw new Error('the database client has no pg pool (made without createPrisma)');
  const client = await pool.connect();
  // A checked-out client whose connection drops emits 'error' (the pool listens only while it is
  // idle); unheard, that ends the process. The query in flight fails with it anyway.
  let broken: Error | undefined;
  const onError = (err: Error) => void (broken = err);
  client.on('error', onError);
  return {
    client,
    schema,
    done(err) {
      client.off('error', onError);
      client.release(err ?? broken);
    },
  };
}

async function once<T>(db: Db, work: (client: pg.PoolClient, schema: string) => Promise<T>): Promise<T> {
  const { client, schema, done } = await checkoutPg(db);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client, schema);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      // A connection that cannot roll back is closed, not given back to the pool.
      broken = rollbackErr;
    });
    throw err;
  } finally {
    done(broken);
  }
}
