import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { ErrorBody, IdParams, Page } from '../schemas/common.js';
import { DiagnosticsBody, Job, JobCreated, JobListQuery, JobStatus, MetricsBody } from '../schemas/job.js';
import { JobSpec } from '../schemas/job-spec.js';
import { jobEvents } from '../services/job-events.js';
import { cancelJob, getDiagnostics, getJob, getMetrics, listJobs, submitJob } from '../services/jobs.js';
import { exampleJobSpec } from '../schemas/examples.js';
import { notFound } from '../errors.js';
import { isUuid } from '../services/datasets.js';
import type { ModelCheck } from '../services/check-job.js';
import type { HeavyPool } from '../services/heavy-pool.js';

/** Largest job spec body (1 MiB). */
export const JOB_SPEC_LIMIT_BYTES = 1024 * 1024;

export function jobRoutes(deps: AppDeps & { heavy: HeavyPool }): FastifyPluginAsyncTypebox {
  // Building a spec's model to check it allocates its weights: done in the worker-thread pool.
  const modelCheck: ModelCheck = (spec, ctx) => deps.heavy.run('checkSpec', { spec, ctx });
  return async (app) => {
    app.post(
      '/jobs',
      {
        // A spec is a few kilobytes; the schema caps every array in it, this caps the rest.
        bodyLimit: JOB_SPEC_LIMIT_BYTES,
        schema: {
          tags: ['jobs'],
          summary: 'Submit a training job',
          description: 'The spec is checked in full (datasets, shapes, base model, limits) before it is queued; a spec that cannot train is a 400 naming the field.',
          body: { ...JobSpec, examples: [exampleJobSpec] },
          response: { 201: JobCreated, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => reply.status(201).send(await submitJob({ ...deps, modelCheck }, request.body)),
    );

    app.get(
      '/jobs',
      { schema: { tags: ['jobs'], summary: 'List jobs, newest first', querystring: JobListQuery, response: { 200: Page(Job, 'JobPage'), 400: ErrorBody } } },
      async (request) => listJobs(deps.db, request.query),
    );

    app.get(
      '/jobs/:id',
      { schema: { tags: ['jobs'], summary: 'A job: status, backend, last epoch metrics, evaluation, warnings', params: IdParams, response: { 200: Job, 404: ErrorBody } } },
      async (request) => getJob(deps, request.params.id),
    );

    app.get(
      '/jobs/:id/metrics',
      { schema: { tags: ['jobs'], summary: 'Per-epoch metrics (Keras history keys)', params: IdParams, response: { 200: MetricsBody, 404: ErrorBody } } },
      async (request) => getMetrics(deps.db, request.params.id),
    );

    app.get(
      '/jobs/:id/diagnostics',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Gradient health per epoch and layer, with warnings and advice',
          params: IdParams,
          response: { 200: DiagnosticsBody, 404: ErrorBody },
        },
      },
      async (request) => getDiagnostics(deps.db, request.params.id),
    );

    app.post(
      '/jobs/:id/cancel',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Cancel a queued or running job',
          description: 'A queued job ends as `cancelled` at once; a running one stops within a batch and keeps the epochs it finished. 409 for a job that already ended.',
          params: IdParams,
          response: {
            202: Type.Object({
              id: Type.String({ description: 'Job id (UUID)' }),
              status: Type.With(JobStatus, { description: '`cancelled` for a queued job; still `running` for a running one until it stops within a batch' }),
            }),
            404: ErrorBody,
            409: ErrorBody,
          },
        },
      },
      async (request, reply) => reply.status(202).send(await cancelJob(deps, request.params.id)),
    );

    app.get(
      '/jobs/:id/events',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Live events (Server-Sent Events): status, epoch, progress',
          description: 'Ends after the final status. Resumable: send `Last-Event-ID` to get only what came after it. A late client first gets what already happened.',
          params: IdParams,
          headers: Type.Object({
            'last-event-id': Type.Optional(Type.String({ maxLength: 20, description: 'Resume: the `id:` of the last event received; only later events are sent' })),
          }),
          produces: ['text/event-stream'],
          response: { 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isUuid(id) || !(await deps.db.run.findUnique({ where: { id }, select: { id: true } }))) throw notFound('Job', id);
        const lastId = Number.parseInt(request.headers['last-event-id'] ?? '', 10);
        const abort = new AbortController();
        request.raw.on('close', () => abort.abort());
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        reply.raw.write(': connected\n\n');
        const heartbeat = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
        try {
          for await (const ev of jobEvents(deps, id, { after: Number.isFinite(lastId) ? lastId : -1, signal: abort.signal })) {
            reply.raw.write(`${ev.id !== undefined ? `id: ${ev.id}\n` : ''}event: ${ev.event}\ndata: ${JSON.stringify(ev.data)}\n\n`);
          }
        } catch (err) {
          request.log.warn({ err }, 'event stream ended with an error');
        } finally {
          clearInterval(heartbeat);
          reply.raw.end();
        }
      },
    );
  };
}
