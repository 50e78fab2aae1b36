import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { notFound } from '../errors.js';
import { ErrorBody, IdParams, Page } from '../schemas/common.js';
import { ModelImportBody, ModelInfo, ModelListQuery, PredictBody, PredictResult } from '../schemas/model.js';
import { getArtifact, getModel, listModels } from '../services/models.js';
import type { HeavyPool } from '../services/heavy-pool.js';
import { importModel } from '../services/import-model.js';
import type { ModelSummary } from '../training/types.js';

export function modelRoutes(deps: AppDeps & { heavy: HeavyPool }): FastifyPluginAsyncTypebox {
  // Loading an imported model (tfjs builds every layer) runs in the worker-thread pool.
  const load = async (modelJson: Record<string, unknown>, weights: Buffer) => (await deps.heavy.run('loadModel', { modelJson, weights: new Uint8Array(weights) })) as ModelSummary;
  return async (app) => {
    app.get(
      '/models',
      { schema: { tags: ['models'], summary: 'List models, newest first; `?name=` lists the versions of a registered model', querystring: ModelListQuery, response: { 200: Page(ModelInfo, 'ModelPage'), 400: ErrorBody } } },
      async (request) => listModels(deps.db, request.query),
    );

    app.get(
      '/models/:id',
      { schema: { tags: ['models'], summary: 'A model: summary with Keras parameter counts, and lineage', params: IdParams, response: { 200: ModelInfo, 404: ErrorBody } } },
      async (request) => getModel(deps.db, request.params.id),
    );

    app.post(
      '/models',
      {
        schema: {
          tags: ['models'],
          summary: 'Import a TensorFlow.js layers model (model.json + weights) to use as a base',
          description: '`weights` is the content of the weight files named by the manifest, concatenated in manifest order, base64-encoded.',
          body: ModelImportBody,
          response: { 201: ModelInfo, 400: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => reply.status(201).send(await importModel(deps.db, request.body, { maxParams: deps.config.MAX_PARAMS, maxLayers: deps.config.MAX_LAYERS }, load)),
    );

    app.get(
      '/models/:id/artifact/model.json',
      {
        schema: {
          tags: ['models'],
          summary: 'The model in TensorFlow.js layers format, for tf.loadLayersModel',
          description: 'Its weights manifest names `weights.bin`, served beside it.',
          params: IdParams,
          response: { 200: Type.Record(Type.String(), Type.Unknown()), 404: ErrorBody },
        },
      },
      async (request) => (await getArtifact(deps.db, request.params.id)).modelJson,
    );

    app.get(
      '/models/:id/artifact/:file',
      {
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
        if (file !== 'weights.bin') throw notFound('Artifact file', file);
        const artifact = await getArtifact(deps.db, id);
        return reply.type('application/octet-stream').send(Buffer.from(artifact.weights));
      },
    );

    app.post(
      '/models/:id/predict',
      {
        schema: {
          tags: ['models'],
          summary: 'Run the model on inputs shaped like its training features',
          description: 'The preprocessing saved with the model (e.g. standardization) is applied first.',
          params: IdParams,
          body: PredictBody,
          response: { 200: PredictResult, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
        },
      },
      async (request) => ({ outputs: await deps.predictor.predict(request.params.id, request.body.inputs) }),
    );
  };
}
