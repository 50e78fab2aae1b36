/** Example bodies shown by Swagger UI; each works as is with "Try it out". */
export const exampleJobSpec = {
  name: 'bn-elu-fashion',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 2000, seed: 42 },
  validation: { split: 0.1 },
  evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 1000, seed: 1 } },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 300, kernelInitializer: 'he_normal', useBias: false },
      { type: 'BatchNormalization' },
      { type: 'Activation', activation: 'elu' },
      { type: 'Dense', units: 100, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: {
    optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, clipNorm: 1.0 },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 3, batchSize: 32, shuffle: true, seed: 42 },
};

/** POST /datasets (JSON): XOR, four 2-feature samples with class labels 0/1. */
export const exampleDatasetJson = {
  name: 'xor',
  features: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  labels: [0, 1, 1, 0],
};

/**
 * POST /models/:id/predict: one sample of 2 features. It fits a model trained on the XOR
 * dataset above or the imported model below; a fashion-mnist model wants 28x28 rows instead.
 */
export const examplePredict = { inputs: [[0, 1]] };

/**
 * POST /models: the smallest useful TensorFlow.js layers model, one Dense layer 2 -> 2 with
 * softmax (6 parameters), as tensorflowjs_converter or `model.save()` would write it.
 * `weights` is weights.bin in base64: kernel [[1, -1], [-1, 1]] then bias [0, 0], float32
 * little-endian.
 */
export const exampleModelImport = {
  name: 'tiny-dense',
  modelJson: {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'tiny',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'dense', units: 2, activation: 'softmax', use_bias: true, batch_input_shape: [null, 2], dtype: 'float32', trainable: true },
          },
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'dense/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'dense/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  },
  weights: 'AACAPwAAgL8AAIC/AACAPwAAAAAAAAAA',
};
