import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { ErrorBody, IdParams, Page } from '../../schemas/common.js';
import { DiagnosticsBody, Job, JobCreated, JobListQuery, JobStatus, MetricsBody, RetryBody, RetryCreated } from '../../schemas/job.js';
import { retryJob } from '../../features/jobs/retry.js';
import { jobSpecValidator } from '../../schemas/job-spec-validator.js';
import { JobSpec } from '../../schemas/job-spec.js';
import { jobEvents } from '../../features/jobs/job-events.js';
import { resumeAfter } from '../../features/jobs/last-event-id.js';
import { assertJobVisible, cancelJob, getDiagnostics, getJob, getMetrics, listJobs, submitJob } from '../../features/jobs/jobs.js';
import { audit } from '../../features/tenants/audit.js';
import { deleteJob } from '../../features/datasets/deletion.js';
import { exampleJobSpec } from '../../schemas/examples.js';
import { eventStreamClosed, eventStreamOpened } from '../../infra/metrics.js';
import type { ThreadPool } from '../../threads/pool.js';
import type { KeyEnded, KeyWatch } from '../../features/tenants/key-watch.js';
import { sendEventStream } from '../sse.js';
import { JOB_SPEC_LIMIT_BYTES } from '../body-limits.js';

export function jobRoutes(deps: AppDeps & { threads: ThreadPool; keyWatch: KeyWatch }): FastifyPluginAsyncTypebox {
  // Building a spec's model to check it allocates its weights: submitJob does it in deps.threads.
  return async (app) => {
    // Open event streams never end on their own while a job runs: closing the server ends them,
    // or it would wait on them until its shutdown timeout and exit with an error.
    const openStreams = new Set<AbortController>();
    app.addHook('preClose', async () => {
      for (const stream of openStreams) stream.abort();
    });

    app.post(
      '/jobs',
      {
        config: { access: 'write' },
        // A spec is a few kilobytes; the schema caps every array in it, this caps the rest.
        bodyLimit: JOB_SPEC_LIMIT_BYTES,
        schema: {
          tags: ['jobs'],
          summary: 'Submit a training job',
          description:
            'The spec is checked in full (datasets, shapes, base model, limits) before it is queued; a spec that cannot train is a 400 naming the field.',
          body: { ...JobSpec, examples: [exampleJobSpec] },
          response: { 201: JobCreated, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        // The audit row is written with the run, in the same statement.
        return reply.status(201).send(await submitJob(deps, request.auth, request.body, { audit: true }));
      },
    );

    app.get(
      '/jobs',
      {
        config: { access: 'read' },
        schema: { tags: ['jobs'], summary: 'List jobs, newest first', querystring: JobListQuery, response: { 200: Page(Job, 'JobPage'), 400: ErrorBody } },
      },
      async (request) => listJobs(deps, request.auth, request.query),
    );

    app.get(
      '/jobs/:id',
      {
        config: { access: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'A job: status, backend, last epoch metrics, evaluation, warnings',
          params: IdParams,
          response: { 200: Job, 404: ErrorBody },
        },
      },
      async (request) => getJob(deps, request.auth, request.params.id),
    );

    app.get(
      '/jobs/:id/metrics',
      {
        config: { access: 'read' },
        schema: { tags: ['jobs'], summary: 'Per-epoch metrics (Keras history keys)', params: IdParams, response: { 200: MetricsBody, 404: ErrorBody } },
      },
      async (request) => getMetrics(deps.db, request.auth, request.params.id),
    );

    app.get(
      '/jobs/:id/diagnostics',
      {
        config: { access: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'Gradient health per epoch and layer, with warnings and advice',
          params: IdParams,
          response: { 200: DiagnosticsBody, 404: ErrorBody },
        },
      },
      async (request) => getDiagnostics(deps.db, request.auth, request.params.id),
    );

    // The check a retried job's spec goes through, compiled now rather than on the first retry.
    jobSpecValidator();
    app.post(
      '/jobs/:id/retry',
      {
        config: { access: 'write' },
        // At most a spec (`patch` may replace the whole of it) and a name.
        bodyLimit: JOB_SPEC_LIMIT_BYTES,
        schema: {
          tags: ['jobs'],
          summary: 'Train a job again, with the fixes of its warnings and/or a patch applied, or replay it unchanged',
          description:
            "Starts a new job from the old job's spec: `applyFixes: true` applies the `fix` of every warning that has one, a list applies those of the named warnings, " +
            'and `patch` (an RFC 6902 JSON Patch) applies your own change after them. The result is checked as a POST /jobs spec; 400 if a patch does not apply or the spec is invalid. ' +
            "With neither `applyFixes` nor `patch` it is a replay: the same spec and seed, and the answer's `replay` says whether the per-epoch losses will be bit-identical " +
            '(`exact: true` on cpu and wasm, at the same thread count) or may differ slightly (`exact: false` with a `reason`: webgpu, tfjs-node-gpu, tfjs-node).',
          params: IdParams,
          body: { ...RetryBody, examples: [{ applyFixes: true, name: 'retry-with-fixes' }] },
          response: { 201: RetryCreated, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => reply.status(201).send(await retryJob(deps, request.auth, request.params.id, request.body)),
    );

    app.post(
      '/jobs/:id/cancel',
      {
        config: { access: 'write' },
        schema: {
          tags: ['jobs'],
          summary: 'Cancel a queued or running job',
          description:
            'A queued job ends as `cancelled` at once; a running one stops within a batch and keeps the epochs it finished. 409 for a job that already ended.',
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
      async (request, reply) => {
        const result = await cancelJob(deps, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'cancel', 'job', result.id);
        return reply.status(202).send(result);
      },
    );

    app.delete(
      '/jobs/:id',
      {
        config: { access: 'write' },
        schema: {
          tags: ['jobs'],
          summary: 'Delete an ended job with its metrics, diagnostics and checkpoint',
          description:
            'Its model, if it made one, stays (delete it with DELETE /models/{id}); the model then has no `jobId`. 409 while the job is queued or running: cancel it first.',
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { freedBytes } = await deleteJob(deps, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'delete', 'job', request.params.id, { freedBytes });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/jobs/:id/events',
      {
        config: { access: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'Live events (Server-Sent Events): status, epoch, progress',
          description:
            'Ends after the final status. Resumable: send `Last-Event-ID` to get only what came after it. A late client first gets what already happened. ' +
            'If the API key it was opened with is revoked or expires, it ends early with an `error` event whose data is an error body (`{ "error": "unauthorized", "message": "the API key was revoked", "details": [] }`): do not reconnect with that key.',
          params: IdParams,
          headers: Type.Object({
            'last-event-id': Type.Optional(
              Type.String({ maxLength: 20, description: 'Resume: the `id:` of the last event received; only later events are sent' }),
            ),
          }),
          produces: ['text/event-stream'],
          response: { 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        await assertJobVisible(deps.db, request.auth, id);
        const after = resumeAfter(request.headers['last-event-id']);
        const abort = new AbortController();
        openStreams.add(abort);
        eventStreamOpened();
        request.raw.on('close', () => abort.abort());
        // The key was checked as the stream opened; the stream must not outlive the key.
        const keyEnd: { ended?: KeyEnded } = {};
        const unwatch = deps.keyWatch.watch(request.auth.keyId, (ended) => {
          keyEnd.ended = ended;
          abort.abort();
        });
        const events = async function* () {
          for await (const ev of jobEvents(deps, id, { after, signal: abort.signal })) {
            if (keyEnd.ended) return;
            yield ev;
          }
        };
        try {
          await sendEventStream(reply, events(), {
            onError: (err) => request.log.warn({ err }, 'event stream ended with an error'),
            // Why it ended before the final status, so a client gives up rather than reconnecting.
            lastEvent: () => (keyEnd.ended ? { event: 'error', data: keyEnd.ended } : undefined),
          });
        } finally {
          unwatch();
          openStreams.delete(abort);
          eventStreamClosed();
        }
      },
    );
  };
}
