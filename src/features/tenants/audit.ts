import type { Principal } from '../../core/principal.js';
import type { Db } from '../../infra/db/prisma.js';
import { SpecError } from '../../core/problems.js';
import { isUuid } from '../../core/ids.js';

export type AuditAction = 'create' | 'update' | 'cancel' | 'delete' | 'share' | 'unshare' | 'revoke' | 'retry';

/**
 * Records who did what to which resource. Written after the action succeeded; a failure to
 * record is logged by the caller's error path but never undoes the action.
 */
export async function audit(
  db: Db,
  who: Principal,
  action: AuditAction,
  resource: string,
  resourceId: string | null,
  detail?: Record<string, unknown>,
): Promise<void> {
  await db.auditEvent.create({ data: { keyId: who.keyId, tenantId: who.tenantId, action, resource, resourceId, detail: (detail as object) ?? undefined } });
}

/** Oldest-first cursor over (at, id): stable while new events arrive at the end. */
function decodeAuditCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const at = new Date(iso);
    if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) throw new Error('bad cursor');
    return { at, id };
  } catch {
    throw new SpecError('invalid cursor', [
      { path: '/querystring/cursor', message: 'not a cursor this service gave out; pass `nextCursor` from the previous page' },
    ]);
  }
}

/** The audit log, newest first, optionally for one tenant or action. */
export async function listAudit(db: Db, query: { limit?: number; cursor?: string; tenantId?: string; action?: string }) {
  const limit = query.limit ?? 50;
  // A tenant's id is a UUID; anything else (a tenant's name, say) would match nothing silently.
  if (query.tenantId !== undefined && !isUuid(query.tenantId)) {
    throw new SpecError('invalid tenantId', [{ path: '/querystring/tenantId', message: 'not a tenant id (a UUID, as GET /admin/tenants lists them)' }]);
  }
  const at = decodeAuditCursor(query.cursor);
  const rows = await db.auditEvent.findMany({
    where: {
      ...(query.tenantId ? { tenantId: query.tenantId } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(at ? { OR: [{ at: { lt: at.at } }, { at: at.at, id: { lt: at.id } }] } : {}),
    },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      keyId: r.keyId,
      tenantId: r.tenantId,
      action: r.action,
      resource: r.resource,
      resourceId: r.resourceId,
      detail: (r.detail as Record<string, unknown> | null) ?? null,
    })),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.at.toISOString(), last.id])).toString('base64url') : null,
  };
}
