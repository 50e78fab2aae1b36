import type pg from 'pg';
import { lockExpression } from '../../infra/db/locks.js';
import { quoteIdent } from '../../infra/db/sql.js';
import { assertRoom, type QuotaLimits } from '../tenants/quotas.js';

/**
 * The storage-quota check for an upload, made inside the pg transaction that then stores the
 * bytes (`inPgTransaction`): under the tenant's submit lock (lockExclusive's key, as
 * POST /jobs takes it), so concurrent uploads are checked one after the other, each seeing the
 * bytes of those before it, and together cannot pass the quota; the sums are storageOf's, the
 * refusal assertMayStore's 403. A tenant without a storage quota takes no lock. Parse and check
 * the upload before: the lock is held until the transaction ends.
 */
export async function lockAndAssertMayStorePg(client: pg.ClientBase, schema: string, limits: QuotaLimits, tenantId: string, addBytes: number): Promise<void> {
  if (limits.storageMb <= 0) return;
  await client.query(`SELECT ${lockExpression('tenantSubmit', 'exclusive', '$1')}`, [tenantId]);
  assertRoom(limits, await storedBytesPg(client, schema, tenantId), addBytes);
}

/**
 * SQL for a tenant's stored bytes, as storageOf totals them (datasets, models not deleted,
 * checkpoints of its runs); `tenant` is the parameter holding its id, e.g. `$1`.
 */
export function storedBytesSql(schema: string, tenant: string): string {
  const table = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  return `(SELECT COALESCE(SUM("sizeBytes"), 0) FROM ${table('Dataset')} WHERE "tenantId" = ${tenant}::uuid)
          + (SELECT COALESCE(SUM("sizeBytes"), 0) FROM ${table('Model')} WHERE "tenantId" = ${tenant}::uuid AND "deletedAt" IS NULL)
          + (SELECT COALESCE(SUM(c."sizeBytes"), 0) FROM ${table('Checkpoint')} c JOIN ${table('Run')} r ON r."id" = c."runId" WHERE r."tenantId" = ${tenant}::uuid)`;
}

/** storageOf's total in one query. */
export async function storedBytesPg(client: pg.ClientBase, schema: string, tenantId: string): Promise<number> {
  const { rows } = await client.query<{ total: string | null }>(`SELECT ${storedBytesSql(schema, '$1')} AS total`, [tenantId]);
  return Number(rows[0]?.total ?? 0);
}
