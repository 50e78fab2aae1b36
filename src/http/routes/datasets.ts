import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.js';
import { ErrorBody, IdParams } from '../../schemas/common.js';
import { DatasetCsvBody, DatasetJsonBody, DatasetSummary } from '../../schemas/dataset.js';
import { Type } from 'typebox';
import { audit } from '../../features/tenants/audit.js';
import { deleteDataset } from '../../features/datasets/deletion.js';
import { limitsFor } from '../../features/tenants/quotas.js';
import type { ThreadPool } from '../../threads/pool.js';
import { getDatasetSummary, saveDataset } from '../../features/datasets/datasets.js';
import type { AppDeps } from '../deps.js';
import type { FastifyRequest } from 'fastify';
import { RawJson, readBody, transferable } from '../raw-json.js';
import { uploadLimitBytes } from '../body-limits.js';

/**
 * The file name of each request's CSV upload, kept beside the request rather than in its body so
 * a form field cannot stand in for it.
 */
const uploadFileNames = new WeakMap<object, string>();

/** Longest dataset name (as `name` in the upload schema). */
const MAX_NAME = 200;

/**
 * Records the uploaded file's name for the request (called by the multipart `onFile`): its last
 * path segment, without control characters or broken surrogate pairs (it is stored as text), at
 * most 200 characters. Nothing is recorded for a name that is empty once cleaned.
 */
export function rememberUploadFileName(request: object, fileName: string | undefined): void {
  const base = (fileName ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '').trim();
  const name = Array.from(clean).slice(0, MAX_NAME).join('');
  if (name) uploadFileNames.set(request, name);
}

export function datasetRoutes(deps: AppDeps & { threads: ThreadPool }): FastifyPluginAsyncTypebox {
  return async (app) => {
    // JSON.parse, the schema walk and the conversion of a large JSON dataset would hold the event
    // loop for seconds; here the bytes are handed as they are to a worker thread, which decodes,
    // parses, checks (with the route's schema) and converts them. (Scoped to this plugin, i.e. to
    // /datasets.)
    app.addContentTypeParser(
      'application/json',
      async (request: FastifyRequest, payload: NodeJS.ReadableStream) =>
        new RawJson(await readBody(request, payload, request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024)),
    );
    app.post(
      '/datasets',
      {
        config: { access: 'write' },
        bodyLimit: uploadLimitBytes(deps.config),
        // The body schemas below document the route; the pool checks a JSON body (as the schema
        // says, with paths) and the handler a CSV upload's fields.
        validatorCompiler: () => () => true,
        schema: {
          tags: ['datasets'],
          summary: 'Upload a dataset (JSON, or a CSV file as multipart/form-data)',
          description:
            'JSON: `{ name, features, labels }`. CSV: multipart with a `file` (header row) and `labelColumn` naming the label column; every other column is a numeric feature. Samples are stored compactly as float32.',
          body: {
            content: {
              'application/json': { schema: DatasetJsonBody },
              'multipart/form-data': { schema: DatasetCsvBody },
            },
          },
          response: { 201: DatasetSummary, 400: ErrorBody, 403: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const maxSamples = deps.config.MAX_DATASET_SAMPLES;
        const { tenantId } = request.auth;
        // The storage quota is checked with the insert, under the tenant's lock (saveDataset).
        const limits = () => limitsFor(deps.db, deps.config, tenantId);
        if (request.isMultipart()) {
          const body = request.body as { file?: unknown; labelColumn?: unknown; name?: unknown };
          if (!Buffer.isBuffer(body.file)) throw invalid('a CSV upload needs a `file` field', [{ path: '/file', message: 'is required (a CSV file)' }]);
          if (body.labelColumn !== undefined && typeof body.labelColumn !== 'string')
            throw invalid('/labelColumn: must be text', [{ path: '/labelColumn', message: 'must be text' }]);
          if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > MAX_NAME))
            throw invalid(`/name: must be text of at most ${MAX_NAME} characters`, [
              { path: '/name', message: `must be text of at most ${MAX_NAME} characters` },
            ]);
          const { bytes, transfer } = transferable(body.file);
          const parsed = await deps.threads.run('parseCsv', { bytes, labelColumn: body.labelColumn }, { transfer });
          const summary = await saveDataset(deps.db, parsed.dataset, {
            name: body.name ?? uploadFileNames.get(request) ?? 'upload.csv',
            labelNames: parsed.labelNames,
            maxSamples,
            tenantId,
            limits: await limits(),
          });
          await audit(deps.db, request.auth, 'create', 'dataset', summary.id);
          return reply.status(201).send(summary);
        }
        if (!(request.body instanceof RawJson))
          throw invalid('send the dataset as application/json or as a multipart CSV upload', [{ path: '', message: 'unsupported body' }]);
        const { bytes, transfer } = transferable(request.body.bytes);
        const { dataset, name } = await deps.threads.run('parseJsonDataset', { bytes }, { transfer });
        const summary = await saveDataset(deps.db, dataset, { name, maxSamples, tenantId, limits: await limits() });
        await audit(deps.db, request.auth, 'create', 'dataset', summary.id);
        return reply.status(201).send(summary);
      },
    );

    app.delete(
      '/datasets/:id',
      {
        config: { access: 'write' },
        schema: {
          tags: ['datasets'],
          summary: 'Delete an uploaded dataset and its samples',
          description: "409 while a queued or running job trains, validates or evaluates on it. The tenant's storage use goes down by the dataset's size.",
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { freedBytes } = await deleteDataset(deps.db, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'delete', 'dataset', request.params.id, { freedBytes });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/datasets/:id',
      {
        config: { access: 'read' },
        schema: { tags: ['datasets'], summary: 'A dataset summary', params: IdParams, response: { 200: DatasetSummary, 404: ErrorBody } },
      },
      async (request) => getDatasetSummary(deps.db, request.auth, request.params.id),
    );
  };
}
