import type { Config } from '../../infra/config.js';
import { ServiceError } from '../../core/errors.js';
import type { DbClient } from '../../infra/db/prisma.js';
import type { TenantQuotas } from './api-keys.js';

/** The quota settings: service defaults from the environment. */
export type QuotaConfig = Pick<Config, 'QUOTA_QUEUED_JOBS' | 'QUOTA_RUNNING_JOBS' | 'QUOTA_STORAGE_MB'>;

/** A tenant's limits (0: none): its own overrides, else the service defaults. */
export interface QuotaLimits {
  queuedJobs: number;
  runningJobs: number;
  storageMb: number;
}

export async function limitsFor(db: DbClient, config: QuotaConfig, tenantId: string): Promise<QuotaLimits> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { quotas: true } });
  return limitsFrom(tenant?.quotas, config);
}

/** The limits from a tenant's stored `quotas` (its overrides) and the service defaults. */
export function limitsFrom(quotas: unknown, config: QuotaConfig): QuotaLimits {
  const own = (quotas ?? {}) as TenantQuotas;
  return {
    queuedJobs: own.queuedJobs ?? config.QUOTA_QUEUED_JOBS,
    runningJobs: own.runningJobs ?? config.QUOTA_RUNNING_JOBS,
    storageMb: own.storageMb ?? config.QUOTA_STORAGE_MB,
  };
}

/**
 * A tenant's stored bytes: uploaded datasets, models that are not deleted, checkpoints of its
 * jobs, from the stored `sizeBytes` columns, never by reading the blobs.
 */
export async function storageOf(db: DbClient, tenantId: string) {
  const [datasets, models, checkpoints] = await Promise.all([
    db.dataset.aggregate({ where: { tenantId }, _sum: { sizeBytes: true } }),
    db.model.aggregate({ where: { tenantId, deletedAt: null }, _sum: { sizeBytes: true } }),
    db.checkpoint.aggregate({ where: { run: { tenantId } }, _sum: { sizeBytes: true } }),
  ]);
  const storage = { datasets: datasets._sum.sizeBytes ?? 0, models: models._sum.sizeBytes ?? 0, checkpoints: checkpoints._sum.sizeBytes ?? 0 };
  return { ...storage, total: storage.datasets + storage.models + storage.checkpoints };
}

/** What a tenant holds now (GET /usage): its queued and running jobs and its stored bytes ({@link storageOf}). */
export async function usageOf(db: DbClient, tenantId: string) {
  const [queuedJobs, runningJobs, storageBytes] = await Promise.all([
    db.run.count({ where: { tenantId, status: 'queued' } }),
    db.run.count({ where: { tenantId, status: 'running' } }),
    storageOf(db, tenantId),
  ]);
  return { queuedJobs, runningJobs, storageBytes };
}

const MB = 1024 * 1024;
const inMb = (bytes: number) => Math.round((bytes / MB) * 100) / 100;

type QuotaName = 'QUOTA_QUEUED_JOBS' | 'QUOTA_RUNNING_JOBS' | 'QUOTA_STORAGE_MB';

/**
 * 403 `quota_exceeded` naming the quota, its limit and the tenant's use, in the message
 * and as fields (`quota`, `limit`, `use`) a client can read without parsing text.
 */
export function quotaExceeded(quota: QuotaName, field: keyof QuotaLimits, limit: number, use: number, what: string): ServiceError {
  return new ServiceError(
    'quota_exceeded',
    `over the ${quota} quota: the tenant ${what}; its limit is ${limit} (the service default ${quota}, or the tenant's own quotas.${field})`,
    [{ path: `/quotas/${field}`, message: `in use: ${use}; limit: ${limit}` }],
    { quota, limit, use },
  );
}

/**
 * Refuses a new queued job over the tenant's queued-jobs quota, given its queued jobs now
 * (counted under the tenant's submit lock by `createFairRun`).
 */
export function assertMayQueue(limits: QuotaLimits, queued: number): void {
  if (limits.queuedJobs > 0 && queued >= limits.queuedJobs)
    throw quotaExceeded('QUOTA_QUEUED_JOBS', 'queuedJobs', limits.queuedJobs, queued, `has ${queued} queued jobs`);
}

/**
 * Refuses to store `addBytes` more over the storage quota. With `addBytes` 0 (a job, whose model
 * and checkpoints are not sized yet) it refuses only a tenant already at or over its limit.
 */
export async function assertMayStore(db: DbClient, limits: QuotaLimits, tenantId: string, addBytes: number): Promise<void> {
  if (limits.storageMb <= 0) return;
  assertRoom(limits, (await storageOf(db, tenantId)).total, addBytes);
}

/** {@link assertMayStore} given the tenant's stored bytes now (`used`, as storageOf totals them). */
export function assertRoom(limits: QuotaLimits, used: number, addBytes: number): void {
  if (limits.storageMb <= 0) return;
  const limit = limits.storageMb * MB;
  if (used + addBytes > limit || (addBytes === 0 && used >= limit)) {
    const adds = addBytes ? ` and this would add ${inMb(addBytes)} MB` : ' (a job stores a model and checkpoints)';
    throw quotaExceeded('QUOTA_STORAGE_MB', 'storageMb', limits.storageMb, inMb(used), `stores ${inMb(used)} MB${adds}`);
  }
}
