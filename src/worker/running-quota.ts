import type { QuotaLimits } from '../features/tenants/quotas.js';
import { lockExclusive } from '../infra/db/locks.js';
import { retryOf, retryTransient, type Db } from '../infra/db/prisma.js';

/** How long a run over its tenant's running-jobs quota waits (delayed in the queue) before it asks again. */
export const RUNNING_QUOTA_RETRY_MS = 2_000;

/**
 * Whether this worker may start the run now under its tenant's running-jobs quota
 * (QUOTA_RUNNING_JOBS, or the tenant's own `quotas.runningJobs`). If so, the run is marked
 * running here, under a per-tenant lock, so two workers cannot both take the last slot. A run
 * that is already running (a resumed attempt), ended or gone is left to executeRun. `limitsOf`
 * gives the tenant's limits (the worker's is cached for a few seconds: see `cachedLimits`).
 * The whole transaction is tried again while the database is unavailable (the client's
 * retryForMs): a transaction that cannot even begin fails outside the client's per-query retry.
 */
export async function claimRunningSlot(db: Db, limitsOf: (tenantId: string) => Promise<QuotaLimits>, runId: string): Promise<boolean> {
  return retryTransient(() => claimIn(db, limitsOf, runId), retryOf(db));
}

function claimIn(db: Db, limitsOf: (tenantId: string) => Promise<QuotaLimits>, runId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const run = await tx.run.findUnique({ where: { id: runId }, select: { tenantId: true, status: true } });
    if (run?.status !== 'queued') return true;
    const limits = await limitsOf(run.tenantId);
    if (limits.runningJobs <= 0) return true;
    await lockExclusive(tx, 'tenantRunning', run.tenantId);
    const running = await tx.run.count({ where: { tenantId: run.tenantId, status: 'running' } });
    if (running >= limits.runningJobs) return false;
    await tx.run.updateMany({ where: { id: runId, status: 'queued', cancelRequested: false }, data: { status: 'running', heartbeatAt: new Date() } });
    return true;
  });
}
