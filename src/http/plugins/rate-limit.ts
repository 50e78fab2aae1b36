import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { ServiceError } from '../../core/errors.js';

export interface RateLimitOptions {
  /** Requests per minute per API key (0: no limit). */
  perMinute: number;
  /** Set: the counts live in Redis, shared by every API instance; unset: in this process. */
  redis?: Redis;
}

/**
 * Requests per minute per API key, with @fastify/rate-limit. It runs after auth (preHandler), so
 * it counts the caller's key, not its address; public routes (health, metrics, docs, the
 * dashboard's files) and open local mode (no keys) are not limited. Over the limit: 429
 * `rate_limited` with `Retry-After` (seconds) and the `x-ratelimit-*` headers.
 */
export default fp(
  async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions) {
    if (opts.perMinute <= 0) return;
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: opts.perMinute,
      timeWindow: 60_000,
      ...(opts.redis ? { redis: opts.redis, nameSpace: 'tts-rate-limit-' } : {}),
      // A Redis outage must not take the API down with it: requests go through, unlimited.
      skipOnError: true,
      keyGenerator: (request) => `key:${request.auth?.keyId}`,
      allowList: (request) => request.routeOptions.config?.access === 'public' || !request.auth?.keyId,
      errorResponseBuilder: (_request, context) =>
        new ServiceError(
          'rate_limited',
          `more than ${context.max} requests in ${context.after} with this API key (RATE_LIMIT_PER_MINUTE); retry after ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);
