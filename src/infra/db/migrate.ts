import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/**
 * Applies the committed SQL migrations under prisma/migrations, in name order, each in a
 * transaction, recording them in `_prisma_migrations` exactly as `prisma migrate deploy` does
 * (same table, same sha256 checksum), so either tool can take over from the other.
 *
 * Why not `prisma migrate deploy` itself: it needs Prisma's native schema engine, which is
 * downloaded at install time from binaries.prisma.sh; machines without that host (and
 * `npm ci` with install scripts disabled) would have no way to start.
 */
export async function migrate(opts: { url: string; schema: string; migrationsDir?: string }): Promise<string[]> {
  const dir = opts.migrationsDir ?? path.resolve(import.meta.dirname, '../../../prisma/migrations');
  const names = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  const applied: string[] = [];
  try {
    const schema = client.escapeIdentifier(opts.schema);
    // Serialize concurrent starters (API and worker booting together).
    await client.query('SELECT pg_advisory_lock(72707369)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = new Set(
      (
        await client.query<{ migration_name: string }>(
          'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
      ).rows.map((r) => r.migration_name),
    );
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = await fs.readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      const checksum = crypto.createHash('sha256').update(sql).digest('hex');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)', [
          crypto.randomUUID(),
          checksum,
          name,
        ]);
        await client.query('COMMIT');
        applied.push(name);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707369)').catch(() => {});
    await client.end();
  }
  return applied;
}
