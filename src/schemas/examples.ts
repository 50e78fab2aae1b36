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
