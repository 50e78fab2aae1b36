import { TrainingClient, type CallOptions } from './client.js';
import type { AuditEvent, KeyCreate, KeyCreated, KeyInfo, Quotas, Tenant, TenantCreate, Usage } from './types.js';

/**
 * The admin routes (an admin key): tenants and their quotas, API keys, the audit log and any
 * tenant's usage, on top of everything {@link TrainingClient} does.
 * `new AdminClient({ baseUrl, apiKey: process.env.ADMIN_API_KEY })`.
 */
export class AdminClient extends TrainingClient {
  /** `POST /admin/tenants`. */
  createTenant(body: TenantCreate, opts: CallOptions = {}): Promise<Tenant> {
    return this.json('POST', '/admin/tenants', { body, signal: opts.signal });
  }

  /** `GET /admin/tenants`. */
  async listTenants(opts: CallOptions = {}): Promise<Tenant[]> {
    return (await this.json<{ items: Tenant[] }>('GET', '/admin/tenants', opts)).items;
  }

  /** `PATCH /admin/tenants/:id`: changes a tenant's own quotas (a `null` one goes back to the service default). */
  setQuotas(tenantId: string, quotas: { [K in keyof Quotas]?: number | null }, opts: CallOptions = {}): Promise<Tenant> {
    return this.json('PATCH', `/admin/tenants/${TrainingClient.id(tenantId)}`, { body: { quotas }, signal: opts.signal });
  }

  /** `GET /usage?tenantId=`: a tenant's jobs and stored bytes against its quotas. */
  tenantUsage(tenantId: string, opts: CallOptions = {}): Promise<Usage> {
    return this.json('GET', '/usage', { query: { tenantId }, signal: opts.signal });
  }

  /** `POST /admin/keys`: the answer's `key` is the only time the secret is shown. */
  createApiKey(body: KeyCreate, opts: CallOptions = {}): Promise<KeyCreated> {
    return this.json('POST', '/admin/keys', { body, signal: opts.signal });
  }

  /** `GET /admin/keys` (never the secrets), optionally of one tenant. */
  async listApiKeys(query: { tenantId?: string } = {}, opts: CallOptions = {}): Promise<KeyInfo[]> {
    return (await this.json<{ items: KeyInfo[] }>('GET', '/admin/keys', { query, signal: opts.signal })).items;
  }

  /** `DELETE /admin/keys/:id`: revoked at once. */
  revokeApiKey(id: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/admin/keys/${TrainingClient.id(id)}`, opts);
  }

  /** One page of `GET /admin/audit`, newest first; pass `nextCursor` back as `cursor`. */
  auditPage(
    query: { cursor?: string | null; limit?: number; tenantId?: string; action?: string } = {},
    opts: CallOptions = {},
  ): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    return this.json('GET', '/admin/audit', { query, signal: opts.signal });
  }
}
