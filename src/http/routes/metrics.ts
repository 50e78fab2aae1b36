import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { QUEUE_STATES, scrape, watchQueue } from '../../infra/metrics.js';

/** GET /metrics: this process's Prometheus metrics (the API's, and an in-process worker's). */
export function metricsRoutes(deps: Pick<AppDeps, 'queue'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    watchQueue(() => deps.queue.getJobCounts(...QUEUE_STATES));
    app.get(
      '/metrics',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (text exposition format)',
          description:
            'Request durations by route and status, queue depth by state, job outcomes and durations, epochs and samples trained, dataset cache hits, TensorFlow.js tensors per training process, open event streams, and Node.js process metrics. A worker started alone serves its own on METRICS_PORT.',
          produces: ['text/plain'],
          response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
        },
      },
      async (_request, reply) => {
        const { contentType, body } = await scrape();
        return reply.type(contentType).send(body);
      },
    );
  };
}
