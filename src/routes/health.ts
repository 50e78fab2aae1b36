import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { HealthBody } from '../schemas/health.js';
import { withTimeout } from '../services/timeout.js';

const CHECK_TIMEOUT_MS = 2_000;
/** null when `check` answers in time, else what went wrong. */
async function probe(check: () => Promise<unknown>, what: string): Promise<string | null> {
  try {
    await withTimeout(check(), CHECK_TIMEOUT_MS, what);
    return null;
  } catch (err) {
    return (err as Error).message || 'failed';
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
      async (_request, reply) => {
        const [dbError, queueError] = await Promise.all([probe(() => deps.db.$queryRaw`SELECT 1`, 'the database'), probe(() => deps.checkQueue(), 'the queue')]);
        const errors: Record<string, string> = {};
        if (dbError) errors.db = dbError;
        if (queueError) errors.queue = queueError;
        const ok = !dbError && !queueError;
        return reply.status(ok ? 200 : 503).send({
          status: ok ? 'ok' : 'degraded',
          backend: deps.backend.name,
          backendDetail: deps.backend.detail,
          db: dbError ? 'down' : 'ok',
          queue: queueError ? 'down' : 'ok',
          queueBackend: deps.queueBackend,
          ...(ok ? {} : { errors }),
        });
      },
    );
  };
}
