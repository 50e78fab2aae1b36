import type { QuotaLimits } from '../features/tenants/quotas.js';

/**
 * How long a worker process trusts a tenant's limits once read. A run over its running-jobs quota
 * asks again every RUNNING_QUOTA_RETRY_MS; without this, each of a tenant's waiting runs
 * read the tenant row on every ask. A PATCH of the tenant's quotas takes effect within this.
 */
export const LIMITS_TTL_MS = 5_000;

/** Beyond this many tenants cached, expired entries are dropped as new ones come in. */
const PRUNE_ABOVE = 256;

/**
 * `read` behind a short per-tenant cache: one read per tenant per `ttlMs`, shared by the calls
 * that arrive while it is in flight. A failed read is not kept.
 */
export function cachedLimits(
  read: (tenantId: string) => Promise<QuotaLimits>,
  ttlMs = LIMITS_TTL_MS,
  now: () => number = Date.now,
): (tenantId: string) => Promise<QuotaLimits> {
  const cache = new Map<string, { at: number; limits: Promise<QuotaLimits> }>();
  return (tenantId) => {
    const at = now();
    const hit = cache.get(tenantId);
    if (hit && at - hit.at < ttlMs) return hit.limits;
    if (cache.size >= PRUNE_ABOVE) for (const [id, entry] of cache) if (at - entry.at >= ttlMs) cache.delete(id);
    const entry = { at, limits: read(tenantId) };
    cache.set(tenantId, entry);
    entry.limits.catch(() => {
      if (cache.get(tenantId) === entry) cache.delete(tenantId);
    });
    return entry.limits;
  };
}
