import { generateKey, hashKey, keyMatchesHash, prefixOf, KEY_MARK, PREFIX_LENGTH } from './key-hash.js';
import type { Principal, Role } from '../../core/principal.js';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { Db } from '../../infra/db/prisma.js';
import { isUuid } from '../../core/ids.js';

export interface TenantQuotas {
  queuedJobs?: number;
  runningJobs?: number;
  storageMb?: number;
}

function toTenant(row: { id: string; name: string; quotas: unknown; createdAt: Date }) {
  return { id: row.id, name: row.name, quotas: (row.quotas ?? {}) as TenantQuotas, createdAt: row.createdAt.toISOString() };
}

export async function createTenant(db: Db, body: { name: string; quotas?: TenantQuotas }) {
  try {
    return toTenant(await db.tenant.create({ data: { name: body.name, quotas: (body.quotas ?? {}) as object } }));
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw conflict(`a tenant named "${body.name}" already exists`);
    throw err;
  }
}

/** Changes a tenant's own quotas: a number sets one, null drops it (the service default applies again). */
export async function updateTenantQuotas(db: Db, id: string, changes: { [K in keyof TenantQuotas]?: number | null }) {
  const row = isUuid(id) ? await db.tenant.findUnique({ where: { id } }) : null;
  if (!row) throw notFound('Tenant', id);
  const quotas: Record<string, number> = { ...((row.quotas ?? {}) as Record<string, number>) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete quotas[name];
    else if (value !== undefined) quotas[name] = value;
  }
  return toTenant(await db.tenant.update({ where: { id }, data: { quotas } }));
}

export async function listTenants(db: Db) {
  return { items: (await db.tenant.findMany({ orderBy: { createdAt: 'asc' } })).map(toTenant) };
}

/** A tenant by id, or by name (the CLI's `--tenant default`). */
export async function findTenant(db: Db, idOrName: string) {
  return db.tenant.findFirst({ where: isUuid(idOrName) ? { id: idOrName } : { name: idOrName } });
}

/**
 * Makes a key for a tenant. The key itself is returned once, here; only its hash and its public
 * prefix are stored. A prefix taken by another key (48 random bits: rare) draws a new key.
 */
export async function createApiKey(db: Db, body: { tenantId: string; role: Role; name?: string; expiresAt?: string }) {
  const tenant = isUuid(body.tenantId) ? await db.tenant.findUnique({ where: { id: body.tenantId }, select: { id: true } }) : null;
  if (!tenant) throw invalid(`no tenant with id ${body.tenantId}`, [{ path: '/tenantId', message: 'unknown tenant; create it with POST /admin/tenants' }]);
  const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
    throw invalid('expiresAt must be a date-time in the future', [{ path: '/expiresAt', message: 'must be an ISO 8601 date-time in the future' }]);
  }
  for (let attempt = 0; ; attempt++) {
    const key = generateKey();
    try {
      const row = await db.apiKey.create({
        data: { tenantId: tenant.id, role: body.role, name: body.name ?? null, prefix: prefixOf(key), hash: hashKey(key), expiresAt },
      });
      return {
        id: row.id,
        key,
        prefix: row.prefix,
        tenantId: row.tenantId,
        role: row.role,
        name: row.name,
        expiresAt: row.expiresAt?.toISOString() ?? null,
        createdAt: row.createdAt.toISOString(),
      };
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002' && attempt < 3) continue;
      throw err;
    }
  }
}

/** Revokes a key at once (the next request with it is a 401); revoking twice is fine. */
export async function revokeApiKey(db: Db, id: string): Promise<{ tenantId: string }> {
  const row = isUuid(id) ? await db.apiKey.findUnique({ where: { id }, select: { tenantId: true, revokedAt: true } }) : null;
  if (!row) throw notFound('API key', id);
  if (!row.revokedAt) await db.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  return { tenantId: row.tenantId };
}

export async function listApiKeys(db: Db, query: { tenantId?: string }) {
  // The column is a UUID: anything else made PostgreSQL refuse the query, a 500.
  if (query.tenantId !== undefined && !isUuid(query.tenantId)) {
    throw invalid(`invalid tenantId ${JSON.stringify(query.tenantId.slice(0, 100))}`, [
      { path: '/querystring/tenantId', message: 'not a tenant id (a UUID, as GET /admin/tenants lists them)' },
    ]);
  }
  const rows = await db.apiKey.findMany({ where: query.tenantId ? { tenantId: query.tenantId } : {}, orderBy: { createdAt: 'asc' } });
  return {
    items: rows.map((r) => ({
      id: r.id,
      prefix: r.prefix,
      tenantId: r.tenantId,
      role: r.role,
      name: r.name,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt?.toISOString() ?? null,
      revokedAt: r.revokedAt?.toISOString() ?? null,
      lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    })),
  };
}

/** How often a key's lastUsedAt is written at most: a busy key must not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The caller a presented key stands for, or null for a key that is unknown, revoked or expired.
 * Looked up by its public prefix, then compared in constant time with the stored hash.
 */
export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith(KEY_MARK) || key.length <= PREFIX_LENGTH) return null;
  const row = await db.apiKey.findUnique({ where: { prefix: prefixOf(key) } });
  if (!row || !keyMatchesHash(key, row.hash)) return null;
  const now = Date.now();
  if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    void db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
  }
  return { tenantId: row.tenantId, role: row.role, keyId: row.id };
}

export async function anyKeyExists(db: Db): Promise<boolean> {
  return (await db.apiKey.findFirst({ select: { id: true } })) !== null;
}
