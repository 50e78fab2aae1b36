import { ownedBy, type Principal } from '../../core/principal.js';
import { invalid, notFound } from '../../core/errors.js';
import type { Db } from '../../infra/db/prisma.js';
import { isUuid } from '../../core/ids.js';

/** A model of the caller's tenant (any tenant's for an admin), not deleted; else 404. A tenant it is only shared with gets 404 too. */
async function ownModel(db: Db, who: Principal, id: string): Promise<{ tenantId: string }> {
  const model = isUuid(id) ? await db.model.findFirst({ where: { id, ...ownedBy(who), deletedAt: null }, select: { tenantId: true } }) : null;
  if (!model) throw notFound('Model', id);
  return model;
}

const toShare = (r: { modelId: string; tenantId: string; createdAt: Date }) => ({
  modelId: r.modelId,
  tenantId: r.tenantId,
  createdAt: r.createdAt.toISOString(),
});

/**
 * Lets another tenant read the model, predict with it and build on it (as a `base`). Only the
 * owning tenant (or an admin) shares; sharing twice is the same as once. The target tenant is
 * named by id; an unknown one is a 400 on `/tenantId` (tenant ids are not secrets of another tenant's data).
 */
export async function shareModel(db: Db, who: Principal, modelId: string, tenantId: string) {
  const model = await ownModel(db, who, modelId);
  const tenant = isUuid(tenantId) ? await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }) : null;
  if (!tenant) throw invalid(`no tenant with id ${tenantId}`, [{ path: '/tenantId', message: 'unknown tenant (an admin lists them with GET /admin/tenants)' }]);
  if (tenant.id === model.tenantId)
    throw invalid('a model is always readable by its own tenant', [{ path: '/tenantId', message: 'is the tenant that owns the model' }]);
  return toShare(await db.modelShare.upsert({ where: { modelId_tenantId: { modelId, tenantId } }, create: { modelId, tenantId }, update: {} }));
}

/**
 * Stops sharing: the other tenant gets 404 for the model from now on. Jobs of that tenant already
 * queued or running on it as a base still train, and models it already built keep their lineage.
 * Unsharing what is not shared is fine (204).
 */
export async function unshareModel(db: Db, who: Principal, modelId: string, tenantId: string): Promise<void> {
  await ownModel(db, who, modelId);
  if (isUuid(tenantId)) await db.modelShare.deleteMany({ where: { modelId, tenantId } });
}

/** The tenants a model is shared with, oldest first (for its owner). */
export async function modelShares(db: Db, who: Principal, modelId: string) {
  await ownModel(db, who, modelId);
  const rows = await db.modelShare.findMany({ where: { modelId }, orderBy: { createdAt: 'asc' } });
  return { items: rows.map(toShare) };
}
