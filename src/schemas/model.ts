import { Type } from 'typebox';
import { exampleModelImport, examplePredict } from './examples.js';

export const ModelSummary = Type.Object(
  {
    layers: Type.Array(
      Type.Object({
        name: Type.String(),
        type: Type.String({ description: 'Keras class name' }),
        outputShape: Type.Array(Type.Union([Type.Integer(), Type.Null()]), { description: 'null is the batch dimension' }),
        params: Type.Integer(),
        trainable: Type.Boolean(),
      }),
    ),
    totalParams: Type.Integer(),
    trainableParams: Type.Integer(),
    nonTrainableParams: Type.Integer(),
  },
  { title: 'ModelSummary', description: 'Parameter counts exactly as Keras prints them' },
);

export const ModelInfo = Type.Object(
  {
    id: Type.String(),
    jobId: Type.Union([Type.String(), Type.Null()], { description: 'The job that trained it; null for an imported model' }),
    name: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.Integer(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    source: Type.String({ description: '`trained` or `imported`' }),
    summary: ModelSummary,
    inputShape: Type.Array(Type.Union([Type.Integer(), Type.Null()])),
    lineage: Type.Object({
      baseModelId: Type.Union([Type.String(), Type.Null()], { description: 'The model it was built on' }),
      reusedLayers: Type.Array(Type.String(), { description: 'Layers copied from the base model' }),
    }),
  },
  { title: 'Model' },
);

export const ModelListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100, description: 'List the versions of this registered model' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const PredictBody = Type.Object(
  {
    inputs: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Array(Type.Number())])), {
      minItems: 1,
      maxItems: 10_000,
      description: 'One row per sample, shaped like the training features',
    }),
  },
  { additionalProperties: false, title: 'PredictRequest', examples: [examplePredict] },
);

export const PredictResult = Type.Object({ outputs: Type.Array(Type.Array(Type.Number())) }, { title: 'PredictResult' });

export const ModelImportBody = Type.Object(
  {
    modelJson: Type.Record(Type.String(), Type.Unknown(), { description: 'The model.json of a TensorFlow.js layers model' }),
    weights: Type.String({ description: 'The weight files named by its weightsManifest, concatenated in manifest order, base64' }),
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100, description: 'Register it under this name, as the next version' })),
  },
  { additionalProperties: false, title: 'ModelImport', examples: [exampleModelImport] },
);
