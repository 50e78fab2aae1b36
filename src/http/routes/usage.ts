import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { seesAllTenants } from '../../core/principal.js';
import { notFound } from '../../core/errors.js';
import { ErrorBody } from '../../schemas/common.js';
import { UsageBody } from '../../schemas/usage.js';
import { isUuid } from '../../core/ids.js';
import { limitsFor, usageOf } from '../../features/tenants/quotas.js';

/** What the caller's tenant uses against its quotas (any tenant's for an admin, with `?tenantId=`). */
export function usageRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/usage',
      {
        config: { access: 'read' },
        schema: {
          tags: ['usage'],
          summary: "Your tenant's jobs and stored bytes against its quotas",
          querystring: Type.Object(
            { tenantId: Type.Optional(Type.String({ maxLength: 100, description: "Admins: another tenant's usage" })) },
            { additionalProperties: false },
          ),
          response: { 200: UsageBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const asked = request.query.tenantId;
        // Anyone but an admin who names another tenant gets a 404, as for any id not theirs.
        if (asked && asked !== request.auth.tenantId && !seesAllTenants(request.auth)) throw notFound('Tenant', asked);
        const tenantId = asked ?? request.auth.tenantId;
        if (!isUuid(tenantId) || !(await deps.db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) throw notFound('Tenant', tenantId);
        const [usage, quotas] = await Promise.all([usageOf(deps.db, tenantId), limitsFor(deps.db, deps.config, tenantId)]);
        return { tenantId, ...usage, quotas };
      },
    );
  };
}
