import type pg from 'pg';
import { poolOf, schemaOf, type Db } from './prisma.js';

/**
 * Runs `work` in one transaction on one connection of the client's own pg pool (BEGIN ... COMMIT,
 * ROLLBACK when it throws). For writes of large byte columns: node-postgres sends a Buffer
 * parameter as binary, where Prisma would turn the bytes into base64 and back on the event loop
 * (0.4-1 s for a 40 MB upload: bench/results.md, Responsiveness). `schema` is the tables'.
 */
export async function inPgTransaction<T>(db: Db, work: (client: pg.PoolClient, schema: string) => Promise<T>): Promise<T> {
  let pool = poolOf(db);
  if (!pool) {
    // Prisma opens the pool on its first query.
    await db.$queryRaw`SELECT 1`;
    pool = poolOf(db);
  }
  const schema = schemaOf(db);
  if (!pool || schema === undefined) throw new Error('the database client has no pg pool (made without createPrisma)');
  const client = await pool.connect();
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
    client.release(broken);
  }
}
