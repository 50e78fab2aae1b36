import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken, hashKey, keyMatchesHash } from '../../features/tenants/key-hash.js';
import type { AuthMode } from '../auth/mode.js';
import { ACCESS_LEVELS, ENV_ADMIN_KEY_ID, OPEN_PRINCIPAL, DEFAULT_TENANT_ID, permits, type Access, type Principal } from '../../core/principal.js';
import { anyKeyExists, principalForKey } from '../../features/tenants/api-keys.js';
import type { Db } from '../../infra/db/prisma.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; every route must say (see `ACCESS_LEVELS`). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The caller, set before the handler on every non-public route. */
    auth: Principal;
  }
  interface FastifyInstance {
    /** Auth state: whether keys are needed now, and a way to say a key was just created. */
    authState: AuthState;
  }
}

export interface AuthOptions {
  db: Db;
  mode: AuthMode;
  /** ADMIN_API_KEY: an admin key of the tenant `default`, never stored. */
  adminKey?: string;
}

/** In `until-first-key` mode, how long "no key exists" is believed before asking the database again. */
const KEY_CHECK_INTERVAL_MS = 2_000;

export class AuthState {
  private on: boolean;
  private checkedAt = 0;
  /** Every route and the access it declared (`GET /jobs/:id` -> `read`): tests walk it. */
  readonly routes = new Map<string, Access>();

  constructor(
    private readonly db: Db,
    readonly mode: AuthMode,
  ) {
    this.on = mode === 'on';
  }

  /** Whether requests need a key now. Open local mode ends (for good) once any key exists. */
  async required(): Promise<boolean> {
    if (this.on || this.mode === 'off') return this.on;
    if (Date.now() - this.checkedAt > KEY_CHECK_INTERVAL_MS) {
      this.checkedAt = Date.now();
      if (await anyKeyExists(this.db)) this.on = true;
    }
    return this.on;
  }

  /** Called when this instance creates a key, so the very next request already needs one. */
  keyCreated(): void {
    if (this.mode === 'until-first-key') this.on = true;
  }
}

/** Marks an encapsulated scope whose routes all are public (third-party plugins that take no route config). */
const PUBLIC_SCOPE = Symbol('public routes');

/**
 * Lets the routes that a third-party plugin registers in this scope (Swagger UI, static files)
 * go without `config.access`: they are public. Call it on an encapsulated instance only.
 */
export function allowPublicRoutes(scope: FastifyInstance): void {
  (scope as unknown as Record<symbol, boolean>)[PUBLIC_SCOPE] = true;
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message, details: [] });
}

/**
 * API keys -> the caller of each request (`request.auth`), and the access rule of each route
 * enforced before its body is even read: 401 without a valid key, 403 for a role that may not.
 * A route registered without an access rule is refused at start-up, so none is forgotten.
 */
const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  const state = new AuthState(opts.db, opts.mode);
  app.decorate('authState', state);
  app.decorateRequest('auth', null as unknown as Principal);
  const adminHash = opts.adminKey ? hashKey(opts.adminKey) : null;

  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const access = route.config?.access;
    const methods = ([] as string[]).concat(route.method);
    if (access === undefined && (this as unknown as Record<symbol, boolean>)[PUBLIC_SCOPE]) {
      route.config = { ...route.config, access: 'public' };
    } else if (!ACCESS_LEVELS.includes(access as Access)) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} has no access rule: add \`config: { access: 'public' | 'read' | 'write' | 'admin' }\` to its options`,
      );
    }
    for (const method of methods) state.routes.set(`${method} ${route.url}`, route.config!.access!);
  });

  async function callerOf(request: FastifyRequest): Promise<Principal | null> {
    const token = bearerToken(request.headers.authorization);
    if (!token) return null;
    if (adminHash && keyMatchesHash(token, adminHash)) return { tenantId: DEFAULT_TENANT_ID, role: 'admin', keyId: ENV_ADMIN_KEY_ID };
    return principalForKey(opts.db, token);
  }

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access;
    // No route matched: the 404 answer tells nothing about any tenant's data.
    if (access === undefined || access === 'public') return;
    if (!(await state.required())) {
      request.auth = OPEN_PRINCIPAL;
      return;
    }
    const caller = await callerOf(request);
    if (!caller)
      return unauthorized(
        reply,
        request.headers.authorization ? 'the API key is not valid (unknown, revoked or expired)' : 'send an API key as `Authorization: Bearer <key>`',
      );
    if (!permits(caller.role, access))
      return reply.status(403).send({ error: 'forbidden', message: `a ${caller.role} key may not do this (it needs ${access} access)`, details: [] });
    request.auth = caller;
  });
};

export default fp(authPlugin, { name: 'auth' });

/** The log option that keeps API keys out of the logs, whatever a serializer prints. */
export const REDACT_SECRETS = { paths: ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization'], censor: '[redacted]' };
