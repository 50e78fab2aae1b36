import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../errors.js';
import { findUnstorableString } from '../plugins/validation.js';
import { ErrorBody, IdParams } from '../schemas/common.js';
import { DatasetCsvBody, DatasetJsonBody, DatasetSummary } from '../schemas/dataset.js';
import type { HeavyPool } from '../services/heavy-pool.js';
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

/** A JSON dataset body as received: text, parsed and checked in the worker-thread pool. */
class RawJson {
  constructor(readonly text: string) {}
}

export function datasetRoutes(deps: AppDeps & { heavy: HeavyPool }): FastifyPluginAsyncTypebox {
  return async (app) => {
    // A 60 MB JSON dataset took 6 s of JSON.parse, schema walk and conversion on the event loop;
    // here the text is handed as it is to the pool, which parses, checks and converts it. (This
    // parser is scoped to this plugin, i.e. to /datasets.)
    app.addContentTypeParser('application/json', { parseAs: 'string' }, async (_request: unknown, text: string | Buffer) => new RawJson(String(text)));
    app.post(
      '/datasets',
      {
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
          response: { 201: DatasetSummary, 400: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const maxSamples = deps.config.MAX_DATASET_SAMPLES;
        if (request.isMultipart()) {
          const body = request.body as { file?: unknown; labelColumn?: unknown; name?: unknown };
          if (typeof body.file !== 'string') throw invalid('a CSV upload needs a `file` field', [{ path: '/file', message: 'is required (a CSV file)' }]);
          if (body.labelColumn !== undefined && typeof body.labelColumn !== 'string') throw invalid('/labelColumn: must be text', [{ path: '/labelColumn', message: 'must be text' }]);
          if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > MAX_NAME)) throw invalid(`/name: must be text of at most ${MAX_NAME} characters`, [{ path: '/name', message: `must be text of at most ${MAX_NAME} characters` }]);
          const parsed = await deps.heavy.run('parseCsv', { text: body.file, labelColumn: body.labelColumn });
          const summary = await saveDataset(deps.db, parsed.dataset, { name: body.name ?? uploadFileNames.get(request) ?? 'upload.csv', labelNames: parsed.labelNames, maxSamples });
          return reply.status(201).send(summary);
        }
        if (!(request.body instanceof RawJson)) throw invalid('send the dataset as application/json or as a multipart CSV upload', [{ path: '', message: 'unsupported body' }]);
        const { dataset, name } = await deps.heavy.run('parseJsonDataset', { text: request.body.text });
        const where = findUnstorableString(name, '/name');
        if (where) throw invalid('text with a NUL character or a broken surrogate pair cannot be stored', [{ path: where, message: 'contains a NUL character or an unpaired surrogate' }]);
        return reply.status(201).send(await saveDataset(deps.db, dataset, { name, maxSamples }));
      },
    );

    app.get(
      '/datasets/:id',
      { schema: { tags: ['datasets'], summary: 'A dataset summary', params: IdParams, response: { 200: DatasetSummary, 404: ErrorBody } } },
      async (request) => getDatasetSummary(deps.db, request.params.id),
    );
  };
}
