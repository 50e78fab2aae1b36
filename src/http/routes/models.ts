import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AppDeps } from '../deps.js';
import { notFound } from '../../core/errors.js';
import { ErrorBody, IdParams, Page } from '../../schemas/common.js';
import { ModelImportBody, ModelInfo, ModelListQuery, ModelShare, PredictBody, PredictResult } from '../../schemas/model.js';
import { assertModelVisible, getArtifact, getModel, listModels } from '../../features/models/models.js';
import { audit } from '../../features/tenants/audit.js';
import { deleteModel } from '../../features/datasets/deletion.js';
import { limitsFor } from '../../features/tenants/quotas.js';
import { modelShares, shareModel, unshareModel } from '../../features/models/shares.js';
import type { ThreadPool } from '../../threads/pool.js';
import { importPrepared } from '../../features/models/import-model.js';
import { rawJsonBytes, takeJsonRaw, transferable } from '../raw-json.js';
import { streamWeights } from '../../features/models/weights-stream.js';
import { exportModel } from '../../features/models/export-model.js';
import type { ModelSummary } from '../../core/run-types.js';
import { PREDICT_LIMIT_BYTES, uploadLimitBytes } from '../body-limits.js';

export function modelRoutes(deps: AppDeps & { threads: ThreadPool }): FastifyPluginAsyncTypebox {
  // Loading an imported model (tfjs builds every layer) runs in the worker-thread pool.
  // The weights are copied once into memory the thread then owns (no second copy on the way).
  const load = (modelJson: Record<string, unknown>, weights: Uint8Array): Promise<ModelSummary> => {
    const bytes = new Uint8Array(weights);
    return deps.threads.run('loadModel', { modelJson, weights: bytes }, { transfer: [bytes.buffer] });
  };
  return async (app) => {
    app.get(
      '/models',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'List models, newest first; `?name=` lists the versions of a registered model',
          querystring: ModelListQuery,
          response: { 200: Page(ModelInfo, 'ModelPage'), 400: ErrorBody },
        },
      },
      async (request) => listModels(deps.db, request.auth, request.query),
    );

    app.get(
      '/models/:id',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'A model: summary with Keras parameter counts, and lineage',
          params: IdParams,
          response: { 200: ModelInfo, 404: ErrorBody },
        },
      },
      async (request) => getModel(deps.db, request.auth, request.params.id),
    );

    app.get(
      '/models/:id/artifact/model.json',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'The model in TensorFlow.js layers format, for tf.loadLayersModel',
          description: 'Its weights manifest names `weights.bin`, served beside it.',
          params: IdParams,
          response: { 200: Type.Record(Type.String(), Type.Unknown()), 404: ErrorBody },
        },
      },
      async (request) => (await getArtifact(deps.db, request.params.id, request.auth)).modelJson,
    );

    app.get(
      '/models/:id/artifact/:file',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'A weight file named by model.json',
          params: Type.Object({
            id: Type.String({ maxLength: 100, description: 'The model id' }),
            file: Type.String({ maxLength: 100, description: 'A file named in the weights manifest of model.json: `weights.bin`' }),
          }),
          produces: ['application/octet-stream'],
          response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The weight bytes' }), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { id, file } = request.params;
        await assertModelVisible(deps.db, request.auth, id);
        if (file !== 'weights.bin') throw notFound('Artifact file', file);
        // Streamed in slices: a 40 MB weights.bin is never held (or decoded) whole here.
        const { length, stream } = await streamWeights(deps.db, deps.config.DATABASE_SCHEMA, id);
        return reply
          .type('application/octet-stream')
          .header('content-length', length)
          .send(stream as unknown as Buffer);
      },
    );

    app.get(
      '/models/:id/export',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'Download the model as one file: ONNX, or the TensorFlow.js artifact as a ZIP',
          description:
            '`format=onnx`: an ONNX model (IR version 7, opset 13) for inference, inputs and outputs named `input` and `output`, channels last as trained, with a dynamic batch dimension; metadata `classes` (the class labels, where the job knows them) and `preprocessing` (standardize inputs with it first). A layer ONNX cannot express is a 400 naming it. `format=tfjs`: a ZIP of `model.json` and `weights.bin`, for tf.loadLayersModel.',
          params: IdParams,
          querystring: Type.Object(
            { format: Type.Union([Type.Literal('onnx'), Type.Literal('tfjs')], { default: 'onnx', description: '`onnx` (the default) or `tfjs`' }) },
            { additionalProperties: false },
          ),
          produces: ['application/octet-stream', 'application/zip'],
          response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file' }), 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const file = await exportModel(deps, request.auth, request.params.id, request.query.format);
        return reply
          .type(file.contentType)
          .header('content-disposition', `attachment; filename="${file.fileName}"`)
          .header('content-length', file.body.byteLength)
          .send(Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength));
      },
    );

    app.delete(
      '/models/:id',
      {
        config: { access: 'write' },
        schema: {
          tags: ['models'],
          summary: 'Delete a model: its weights go; a tombstone keeps the lineage of models built on it',
          description:
            "409 while a queued or running job uses it as a base. Afterwards every read of it (and its use as a base) is a 404, its shares end, and the models built on it show `lineage.baseModelDeleted: true`. The tenant's storage use goes down by its size. Only the owning tenant deletes it.",
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { freedBytes } = await deleteModel(deps.db, request.auth, request.params.id);
        deps.predictor.forget(request.params.id);
        await audit(deps.db, request.auth, 'delete', 'model', request.params.id, { freedBytes });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/models/:id/shares',
      {
        config: { access: 'write' },
        schema: {
          tags: ['models'],
          summary: 'Share a model with another tenant: it may read it, predict with it and use it as a base',
          description:
            'Only the tenant that owns the model (or an admin) shares it. Sharing again is a no-op that answers the existing share. Recorded in the audit log.',
          params: IdParams,
          body: Type.Object(
            { tenantId: Type.String({ maxLength: 100, description: 'The tenant to share with (its id)' }) },
            { additionalProperties: false, examples: [{ tenantId: '00000000-0000-0000-0000-000000000001' }] },
          ),
          response: { 201: ModelShare, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        const share = await shareModel(deps.db, request.auth, request.params.id, request.body.tenantId);
        await audit(deps.db, request.auth, 'share', 'model', request.params.id, { tenantId: share.tenantId });
        return reply.status(201).send(share);
      },
    );

    app.get(
      '/models/:id/shares',
      {
        config: { access: 'read' },
        schema: {
          tags: ['models'],
          summary: 'The tenants a model is shared with (for the tenant that owns it)',
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(ModelShare, { description: 'Oldest first' }) }), 404: ErrorBody },
        },
      },
      async (request) => modelShares(deps.db, request.auth, request.params.id),
    );

    app.delete(
      '/models/:id/shares/:tenantId',
      {
        config: { access: 'write' },
        schema: {
          tags: ['models'],
          summary: 'Stop sharing a model with a tenant',
          description:
            'That tenant gets 404 for the model from now on; its jobs already queued on it as a base still train. Unsharing what is not shared is a 204.',
          params: Type.Object({
            id: Type.String({ maxLength: 100, description: 'The model id' }),
            tenantId: Type.String({ maxLength: 100, description: 'The tenant it was shared with' }),
          }),
          response: { 204: Type.Null({ description: 'No longer shared' }), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        await unshareModel(deps.db, request.auth, request.params.id, request.params.tenantId);
        await audit(deps.db, request.auth, 'unshare', 'model', request.params.id, { tenantId: request.params.tenantId });
        return reply.status(204).send(null);
      },
    );

    // The two routes with large JSON bodies take them raw (`takeJsonRaw`): a worker
    // thread parses and checks them, as the schema below says, with the same 400s.
    await app.register(async (raw: typeof app) => {
      takeJsonRaw(raw);
      raw.post(
        '/models',
        {
          config: { access: 'write' },
          // A model file: its weights, base64-encoded, are the data.
          bodyLimit: uploadLimitBytes(deps.config),
          schema: {
            tags: ['models'],
            summary: 'Import a TensorFlow.js layers model (model.json + weights) to use as a base',
            description: '`weights` is the content of the weight files named by the manifest, concatenated in manifest order, base64-encoded.',
            body: ModelImportBody,
            response: { 201: ModelInfo, 400: ErrorBody, 403: ErrorBody, 413: ErrorBody },
          },
        },
        async (request, reply) => {
          const { tenantId } = request.auth;
          const limits = { maxParams: deps.config.MAX_PARAMS, maxLayers: deps.config.MAX_LAYERS };
          // Parsed, checked and its weights decoded in a data thread (the body is raw here).
          const { bytes, transfer } = transferable(rawJsonBytes(request.body));
          const prepared = await deps.threads.run('parseModelImport', { bytes, limits }, { transfer });
          // The storage quota is checked with the insert, under the tenant's lock (importPrepared).
          const quota = await limitsFor(deps.db, deps.config, tenantId);
          const model = await importPrepared(deps.db, request.auth, prepared, { ...limits, quota }, load);
          await audit(deps.db, request.auth, 'create', 'model', model.id);
          return reply.status(201).send(model);
        },
      );

      raw.post(
        '/models/:id/predict',
        {
          config: { access: 'read' },
          // The body is parsed, checked and packed into one Float32Array in a data thread, and the
          // model runs (and its answer is serialized) in a model thread. The cap still bounds the
          // memory and a thread's time per request (a body several times the cap holds a thread for
          // many seconds).
          bodyLimit: PREDICT_LIMIT_BYTES,
          schema: {
            tags: ['models'],
            summary: 'Run the model on inputs shaped like its training features',
            description:
              'The preprocessing saved with the model (e.g. standardization) is applied first. The body is at most 8 MiB (about 1,500 rows of 28x28); send more rows in several requests. With `mcDropout` (Monte Carlo dropout), `outputs` are the mean over that many passes with the dropout layers active, and `std` their standard deviation; samples x inputs may be at most 10000.',
            params: IdParams,
            body: PredictBody,
            response: { 200: PredictResult, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 422: ErrorBody },
          },
        },
        async (request, reply) => {
          // The model threads cache models by id: the caller's right to this one (and that it is
          // not deleted) is checked before it runs, every time.
          const { bytes, transfer } = transferable(rawJsonBytes(request.body));
          const { rows, mcDropout } = await deps.threads.run('parsePredictBody', { bytes }, { transfer });
          await assertModelVisible(deps.db, request.auth, request.params.id);
          // The PredictResult body as JSON bytes, written in the thread (serializing a large output
          // on the loop would hold it for as long as that takes); a Buffer is sent as it is.
          const body = await deps.predictor.predict(request.params.id, rows, deps.threads, mcDropout);
          return reply.type('application/json; charset=utf-8').send(body as unknown as Static<typeof PredictResult>);
        },
      );
    });
  };
}
