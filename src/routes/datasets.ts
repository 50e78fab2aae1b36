import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { datasetFromJson, parseCsvDataset } from '../data/index.js';
import { invalid } from '../errors.js';
import { ErrorBody, IdParams } from '../schemas/common.js';
import { DatasetCsvBody, DatasetJsonBody, DatasetSummary } from '../schemas/dataset.js';
import { Type } from 'typebox';
import { audit } from '../services/audit.js';
import { deleteDataset } from '../services/deletion.js';
import { assertMayStore, limitsFor } from '../services/quotas.js';
import { getDatasetSummary, saveDataset } from '../services/datasets.js';
import type { AppDeps } from '../app.js';

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

export function datasetRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/datasets',
      {
        config: { access: 'write' },
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
        const assertRoom = async (bytes: number) => assertMayStore(deps.db, await limitsFor(deps.db, deps.config, tenantId), tenantId, bytes);
        if (request.isMultipart()) {
          const body = request.body as { file?: unknown; labelColumn?: string; name?: string };
          if (typeof body.file !== 'string') throw invalid('a CSV upload needs a `file` field', [{ path: '/file', message: 'is required (a CSV file)' }]);
          const parsed = parseCsvDataset(body.file, { labelColumn: body.labelColumn });
          const summary = await saveDataset(deps.db, parsed.dataset, { name: body.name ?? uploadFileNames.get(request) ?? 'upload.csv', labelNames: parsed.labelNames, maxSamples, tenantId: request.auth.tenantId, assertRoom });
          await audit(deps.db, request.auth, 'create', 'dataset', summary.id);
          return reply.status(201).send(summary);
        }
        const body = request.body as DatasetJsonBody;
        const dataset = datasetFromJson(body as never);
        const summary = await saveDataset(deps.db, dataset, { name: body.name, maxSamples, tenantId: request.auth.tenantId, assertRoom });
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
      { config: { access: 'read' }, schema: { tags: ['datasets'], summary: 'A dataset summary', params: IdParams, response: { 200: DatasetSummary, 404: ErrorBody } } },
      async (request) => getDatasetSummary(deps.db, request.auth, request.params.id),
    );
  };
}
