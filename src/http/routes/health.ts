import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../deps.js';
import { HealthBody } from '../../schemas/health.js';
import { withTimeout } from '../../infra/concurrency/timeout.js';

const CHECK_TIMEOUT_MS = 2_000;
/**
 * null when `check` answers in time, else a short account for the client. The driver's own text
 * (host names, database names) goes to the log only.
 */
async function probe(check: () => Promise<unknown>, what: string, log: FastifyBaseLogger, requestId: string): Promise<string | null> {
  const started = Date.now();
  try {
    await withTimeout(check(), CHECK_TIMEOUT_MS, what);
    return null;
  } catch (err) {
    log.warn({ err, reqId: requestId }, `health: ${what} is down`);
    const timedOut = Date.now() - started >= CHECK_TIMEOUT_MS;
    return `${what} ${timedOut ? `did not answer within ${CHECK_TIMEOUT_MS / 1000} s` : 'refused or dropped the connection'} (logged with request id ${requestId})`;
  }
}

export function healthRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/health',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Is the service up, and which TensorFlow.js backend does it run',
          response: { 200: HealthBody, 503: HealthBody },
        },
      },
      async (request, reply) => {
        const [dbError, queueError] = await Promise.all([
          probe(() => (deps.checkDb ? deps.checkDb() : deps.db.$queryRaw`SELECT 1`), 'the database', request.log, request.id),
          probe(() => deps.checkQueue(), 'the queue', request.log, request.id),
        ]);
        const errors: Record<string, string> = {};
        if (dbError) errors.db = dbError;
        if (queueError) errors.queue = queueError;
        const ok = !dbError && !queueError;
        return reply.status(ok ? 200 : 503).send({
          status: ok ? 'ok' : 'degraded',
          backend: deps.backend.name,
          backendDetail: deps.backend.detail,
          adapter: deps.backend.adapter ?? null,
          db: dbError ? 'down' : 'ok',
          queue: queueError ? 'down' : 'ok',
          queueBackend: deps.queueBackend,
          ...(ok ? {} : { errors }),
        });
      },
    );
  };
}
