import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { AuditEvent, AuditQuery, KeyCreate, KeyCreated, KeyInfo, Tenant, TenantCreate, TenantUpdate } from '../../schemas/admin.js';
import { ErrorBody, IdParams, Page } from '../../schemas/common.js';
import { createApiKey, createTenant, listApiKeys, listTenants, revokeApiKey, updateTenantQuotas } from '../../features/tenants/api-keys.js';
import { audit, listAudit } from '../../features/tenants/audit.js';
import { KEY_RECHECK_MS, type KeyWatch } from '../../features/tenants/key-watch.js';

/** Tenants, keys and the audit log: admins only. */
export function adminRoutes(deps: AppDeps & { keyWatch: KeyWatch }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['admin'];
    app.post(
      '/admin/tenants',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Create a tenant, with its own quotas',
          body: TenantCreate,
          response: { 201: Tenant, 400: ErrorBody, 409: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const tenant = await createTenant(deps.db, request.body);
        await audit(deps.db, request.auth, 'create', 'tenant', tenant.id, { name: tenant.name });
        return reply.status(201).send(tenant);
      },
    );

    app.patch(
      '/admin/tenants/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: "Change a tenant's own quotas (null: back to the service default)",
          params: IdParams,
          body: TenantUpdate,
          response: { 200: Tenant, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody },
        },
      },
      async (request) => {
        const tenant = await updateTenantQuotas(deps.db, request.params.id, request.body.quotas);
        await audit(deps.db, request.auth, 'update', 'tenant', tenant.id, { quotas: request.body.quotas });
        return tenant;
      },
    );

    app.get(
      '/admin/tenants',
      {
        config: { access: 'admin' },
        schema: { tags, summary: 'Every tenant', response: { 200: Type.Object({ items: Type.Array(Tenant, { description: 'Oldest first' }) }) } },
      },
      async () => listTenants(deps.db),
    );

    app.post(
      '/admin/keys',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Create an API key for a tenant (the key is shown only in this answer)',
          body: KeyCreate,
          response: { 201: KeyCreated, 400: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const created = await createApiKey(deps.db, request.body);
        request.server.authState.keyCreated();
        await audit(deps.db, request.auth, 'create', 'key', created.id, { tenantId: created.tenantId, role: created.role, prefix: created.prefix });
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/admin/keys',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Every key (never the secret), optionally of one tenant',
          querystring: Type.Object({ tenantId: Type.Optional(Type.String({ maxLength: 100, description: 'Only the keys of this tenant' })) }),
          response: { 200: Type.Object({ items: Type.Array(KeyInfo, { description: 'Oldest first' }) }) },
        },
      },
      async (request) => listApiKeys(deps.db, request.query),
    );

    app.delete(
      '/admin/keys/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Revoke a key at once',
          description: `Its next request is a 401, and the event streams opened with it end with an \`error\` event (\`{ "error": "unauthorized" }\`): at once on this API instance, within ${KEY_RECHECK_MS / 1000} s on the others.`,
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { tenantId } = await revokeApiKey(deps.db, request.params.id);
        deps.keyWatch.revoked(request.params.id);
        await audit(deps.db, request.auth, 'revoke', 'key', request.params.id, { tenantId });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/admin/audit',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Who created, cancelled, shared or deleted what, newest first',
          querystring: AuditQuery,
          response: { 200: Page(AuditEvent, 'AuditPage'), 400: ErrorBody },
        },
      },
      async (request) => listAudit(deps.db, request.query),
    );
  };
}
