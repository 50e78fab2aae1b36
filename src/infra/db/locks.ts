import type { DbClient } from './prisma.js';

/**
 * Transaction-scoped PostgreSQL advisory locks (released at commit or rollback), so checks and
 * the writes they guard happen as one step across every API and worker process. Each kind has its
 * own first key; the second is a hash of the id. `pg_advisory_xact_lock` returns void, which
 * Prisma's $queryRaw cannot deserialize: they go through $executeRaw.
 */
const KIND = {
  /** One job submission (quota count, fair tag) at a time per tenant. */
  tenantSubmit: 1101,
  /** One running-slot claim at a time per tenant (QUOTA_RUNNING_JOBS). */
  tenantRunning: 1102,
  /** A dataset or model: shared by submissions that use it, exclusive for its deletion. */
  resource: 1103,
  /** One webhook creation at a time per tenant (its webhook count). */
  tenantWebhooks: 1104,
} as const;

/** Waits for the exclusive lock of `kind` on `id`. */
export async function lockExclusive(tx: DbClient, kind: keyof typeof KIND, id: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KIND[kind]}::int, hashtext(${id}))`;
}

/** Waits for a shared lock of `kind` on `id` (many holders; excludes {@link lockExclusive}). */
export async function lockShared(tx: DbClient, kind: keyof typeof KIND, id: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${KIND[kind]}::int, hashtext(${id}))`;
}

/**
 * The SQL expression that waits for a lock, for statements that take several at once; `param` is
 * the placeholder of the id (e.g. `$1`).
 */
export function lockExpression(kind: keyof typeof KIND, mode: 'exclusive' | 'shared', param: string): string {
  return `${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(${KIND[kind]}::int, hashtext(${param}))`;
}
