/** Who may do what: roles, the access level each route declares, and the caller of a request. */

export const ROLES = ['admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs, declared in its options as `config: { access }`:
 * `public` anyone (health, metrics, docs, the dashboard's files); `read` GET of tenant data;
 * `write` creating, cancelling, sharing or deleting tenant data; `admin` tenants, keys, audit.
 */
export const ACCESS_LEVELS = ['public', 'read', 'write', 'admin'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** The tenant every row made before tenants existed, and everything made in open mode, belongs to. */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000001';
export const DEFAULT_TENANT_NAME = 'default';

/** The caller of a request, as its API key says (or the open-mode caller when auth is off). */
export interface Principal {
  tenantId: string;
  role: Role;
  /** The ApiKey id, `env:ADMIN_API_KEY`, or null in open mode. */
  keyId: string | null;
}

/** Open mode (auth off): one local user who owns the `default` tenant and may do everything. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ tenantId: DEFAULT_TENANT_ID, role: 'admin', keyId: null });

export const ENV_ADMIN_KEY_ID = 'env:ADMIN_API_KEY';

const GRANTS: Record<Role, ReadonlySet<Access>> = {
  admin: new Set(['public', 'read', 'write', 'admin']),
  member: new Set(['public', 'read', 'write']),
  viewer: new Set(['public', 'read']),
};

/** Whether a role may call a route of this access level. */
export function permits(role: Role, access: Access): boolean {
  return GRANTS[role].has(access);
}

/** Admins see every tenant; everyone else only their own. */
export function seesAllTenants(p: Principal): boolean {
  return p.role === 'admin';
}

/** The where-clause part that keeps a query to what the caller owns (all tenants for an admin). */
export function ownedBy(p: Principal): { tenantId?: string } {
  return seesAllTenants(p) ? {} : { tenantId: p.tenantId };
}
