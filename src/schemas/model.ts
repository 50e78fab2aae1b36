import { Type } from 'typebox';
import { exampleModelImport, examplePredict } from './examples.js';

export const ModelSummary = Type.Object(
  {
    layers: Type.Array(
      Type.Object({
        name: Type.String({ description: 'Layer name' }),
        type: Type.String({ description: 'Keras class name' }),
        outputShape: Type.Array(Type.Union([Type.Integer(), Type.Null()]), { description: 'null is the batch dimension' }),
        params: Type.Integer({ description: 'Parameters of the layer (Keras "Param #")' }),
        trainable: Type.Boolean({ description: 'false when the layer is frozen' }),
      }),
      { description: 'One row per layer, bottom to top, as `model.summary()` prints them' },
    ),
    totalParams: Type.Integer({ description: 'Keras "Total params"' }),
    trainableParams: Type.Integer({ description: 'Keras "Trainable params"' }),
    nonTrainableParams: Type.Integer({ description: 'Keras "Non-trainable params": frozen layers and BatchNormalization moving statistics' }),
  },
  { title: 'ModelSummary', description: 'Parameter counts exactly as Keras prints them' },
);

export const ModelInfo = Type.Object(
  {
    id: Type.String({ description: 'Model id (UUID): use it in /models/{id}/predict or as `base.modelId` of a job' }),
    jobId: Type.Union([Type.String(), Type.Null()], { description: 'The job that trained it; null for an imported model' }),
    name: Type.Union([Type.String(), Type.Null()], {
      description: 'Registered name (`modelName` of the job, or `name` of the import); null when unregistered',
    }),
    version: Type.Union([Type.Integer(), Type.Null()], { description: 'Version under `name`: 1, 2, ...; null when unregistered' }),
    createdAt: Type.String({ format: 'date-time', description: 'When it was stored (ISO 8601)' }),
    source: Type.String({ description: '`trained` or `imported`' }),
    summary: ModelSummary,
    inputShape: Type.Array(Type.Union([Type.Integer(), Type.Null()]), {
      description: 'Shape of one input sample, without the batch dimension: what /predict expects per row',
    }),
    lineage: Type.Object(
      {
        baseModelId: Type.Union([Type.String(), Type.Null()], { description: 'The model it was built on' }),
        reusedLayers: Type.Array(Type.String(), { description: 'Layers copied from the base model' }),
        baseModelDeleted: Type.Boolean({
          description: 'true when the base model has since been deleted (its id stays, as a tombstone, but it can no longer be read)',
        }),
      },
      { description: 'What it was built from (transfer learning)' },
    ),
    tenantId: Type.String({ description: 'The tenant that owns it (another tenant sees it only when it is shared with it)' }),
  },
  { title: 'Model' },
);

export const ModelShare = Type.Object(
  {
    modelId: Type.String({ description: 'The shared model' }),
    tenantId: Type.String({ description: 'The tenant it is shared with' }),
    createdAt: Type.String({ format: 'date-time', description: 'When it was shared (ISO 8601)' }),
  },
  { title: 'ModelShare' },
);

export const ModelListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100, description: 'List the versions of this registered model' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100, default 20' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
});

/** The most rows one prediction runs: the inputs of a request, or its inputs times its MC dropout samples. */
export const MAX_PREDICT_ROWS = 10_000;

export const McDropoutOptions = Type.Object(
  {
    samples: Type.Integer({ minimum: 2, maximum: 100, description: 'Forward passes to average (2 to 100); samples x inputs may be at most 10000' }),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Seeds the dropout masks: the same seed gives the same answer; without one each request draws afresh' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'McDropout',
    description:
      "Monte Carlo dropout: `outputs` become the mean over `samples` forward passes with the model's dropout layers (Dropout, AlphaDropout, SpatialDropout2D) active and everything else (BatchNormalization included) in inference, and `std` their standard deviation. A model without a dropout layer is a 400.",
  },
);

export const PredictBody = Type.Object(
  {
    inputs: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Array(Type.Number()), Type.Array(Type.Array(Type.Number()))])), {
      minItems: 1,
      maxItems: MAX_PREDICT_ROWS,
      description:
        "One row per sample (1 to 10000), each shaped like the model's `inputShape` (GET /models/{id}): e.g. [x1, x2] for a 2-feature model (the example fits a model trained on the XOR dataset example or the imported example model), a 28x28 number[][] for a fashion-mnist model, a [28, 28, 1] image (number[][][]) for a CNN",
    }),
    mcDropout: Type.Optional(McDropoutOptions),
  },
  { additionalProperties: false, title: 'PredictRequest', examples: [examplePredict] },
);

export const PredictResult = Type.Object(
  {
    outputs: Type.Array(Type.Array(Type.Number()), {
      description:
        'One row per input, flattened: class probabilities for a softmax classifier, the reconstruction for an autoencoder; with `mcDropout`, the mean over its samples',
    }),
    std: Type.Optional(
      Type.Array(Type.Array(Type.Number()), {
        description: "Only with `mcDropout`: the standard deviation over its samples of each output (the same shape as `outputs`), the model's uncertainty",
      }),
    ),
  },
  { title: 'PredictResult' },
);

export const ModelImportBody = Type.Object(
  {
    modelJson: Type.Record(Type.String(), Type.Unknown(), { description: 'The model.json of a TensorFlow.js layers model' }),
    weights: Type.String({ description: 'The weight files named by its weightsManifest, concatenated in manifest order, base64' }),
    name: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100, description: 'Register it under this name, as the next version' }),
    ),
  },
  { additionalProperties: false, title: 'ModelImport', examples: [exampleModelImport] },
);
