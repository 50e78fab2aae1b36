import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { observeRequest } from '../../infra/metrics.js';

/**
 * One log line and one histogram sample per answered request, with its id (sent back in
 * `x-request-id`). Pair with Fastify's `disableRequestLogging` (see buildApp), which drops its own two
 * lines (incoming / completed) per request.
 */
export default fp(
  async function requestLog(app: FastifyInstance) {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, not the URL: ids in paths would make a label per job.
      const route = request.routeOptions.url ?? 'unmatched';
      const ms = reply.elapsedTime;
      observeRequest(request.method, route, reply.statusCode, ms / 1000);
      request.log.info({ method: request.method, route, url: request.url, statusCode: reply.statusCode, durationMs: Math.round(ms * 100) / 100 }, 'request');
    });
  },
  { name: 'request-log' },
);
