/**
 * The "Training Deep Neural Networks" chapter as one-click starting points: each is a complete
 * job spec on Fashion-MNIST that shows one technique. Edit before submitting (epochs, limit ...).
 * The networks that benchmarks, scripts and tests train too come from src/schemas/recipe-layers.
 */
import { BN_ELU_MLP, RELU_HE_MLP, SMALL_CNN_BODY } from '../../../src/schemas/recipe-layers.js';

export interface Recipe {
  id: string;
  title: string;
  what: string;
  spec: Record<string, unknown>;
}

const data = {
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 5000, seed: 42 },
  validation: { split: 0.1 },
  evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 2000, seed: 42 } },
};
const sgd = (extra: Record<string, unknown> = {}) => ({
  optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, ...extra },
  loss: 'sparse_categorical_crossentropy',
  metrics: ['accuracy'],
});
const fit = { epochs: 10, batchSize: 32, seed: 42 };
const flatten = { type: 'Flatten', inputShape: [28, 28] };
const out = { type: 'Dense', units: 10, activation: 'softmax' };
const job = (name: string, layers: unknown[], compile = sgd()) => ({ name, ...data, model: { layers }, compile, fit });
/** A 784-...-10 network with these hidden layers. */
const mlp = (name: string, hidden: unknown[], compile = sgd()) => job(name, [flatten, ...hidden, out], compile);

export const RECIPES: Recipe[] = [
  {
    id: 'relu-he',
    title: 'ReLU + He initialization',
    what: 'The baseline: 300-100 ReLU units with he_normal, SGD with momentum.',
    spec: job('relu-he', RELU_HE_MLP),
  },
  {
    id: 'leaky-relu',
    title: 'Leaky ReLU',
    what: 'No dying units: a small slope for negative inputs (alpha 0.2).',
    spec: mlp('leaky-relu', [
      { type: 'Dense', units: 300, kernelInitializer: 'he_normal' },
      { type: 'LeakyReLU', alpha: 0.2 },
      { type: 'Dense', units: 100, kernelInitializer: 'he_normal' },
      { type: 'LeakyReLU', alpha: 0.2 },
    ]),
  },
  {
    id: 'elu',
    title: 'ELU',
    what: 'Smooth, negative outputs pull the mean towards 0.',
    spec: mlp('elu', [
      { type: 'Dense', units: 300, activation: 'elu', kernelInitializer: 'he_normal' },
      { type: 'Dense', units: 100, activation: 'elu', kernelInitializer: 'he_normal' },
    ]),
  },
  {
    id: 'selu',
    title: 'SELU, self-normalizing',
    what: 'SELU + lecun_normal on standardized inputs: activations keep mean 0, std 1 through a deep stack.',
    spec: {
      ...mlp(
        'selu',
        Array.from({ length: 6 }, () => ({ type: 'Dense', units: 100, activation: 'selu', kernelInitializer: 'lecun_normal' })),
      ),
      dataset: { ...data.dataset, standardize: true },
    },
  },
  {
    id: 'batch-norm',
    title: 'Batch normalization',
    what: 'BN before the activation (no bias in the Dense layer before it), as in the chapter.',
    spec: job('batch-norm', BN_ELU_MLP),
  },
  {
    id: 'clipping',
    title: 'Gradient clipping',
    what: 'A high learning rate kept in check by clipping each gradient tensor to norm 1.',
    spec: job('clip-norm', RELU_HE_MLP, sgd({ learningRate: 0.05, clipNorm: 1 })),
  },
  {
    id: 'vanishing',
    title: 'Vanishing gradients (the problem)',
    what: 'Eight sigmoid layers with a small random init: the heat-map shows the dark bottom band.',
    spec: mlp(
      'vanishing-sigmoid',
      Array.from({ length: 8 }, () => ({ type: 'Dense', units: 100, activation: 'sigmoid', kernelInitializer: 'random_normal' })),
    ),
  },
  {
    id: 'transfer',
    title: 'Transfer learning',
    what: 'Reuse a stored model without its top layer, frozen for 4 epochs, then fine-tuned at a lower rate. Put a model id in base.modelId.',
    spec: {
      name: 'transfer-sandal-vs-shirt',
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 6], limit: 200, seed: 7 },
      validation: { split: 0.2 },
      base: { modelId: 'PUT-A-MODEL-ID-HERE', dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
      compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 4, seed: 7 },
      fineTune: { epochs: 16, optimizer: { type: 'adam', learningRate: 0.0003 } },
    },
  },
  {
    id: 'cnn-task-a',
    title: 'CNN base (task A)',
    what: 'A small convolutional network on the 8 classes other than sandal and shirt, registered as fashion-cnn-a: the base for the next recipe. Images are read as 28x28x1.',
    spec: {
      name: 'cnn-task-a',
      modelName: 'fashion-cnn-a',
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [0, 1, 2, 3, 4, 7, 8, 9], limit: 5000, seed: 42 },
      validation: { split: 0.1 },
      model: {
        layers: [...SMALL_CNN_BODY, { type: 'Dense', units: 8, activation: 'softmax' }],
      },
      compile: { optimizer: { type: 'adam', learningRate: 0.001 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 5, batchSize: 32, seed: 42 },
    },
  },
  {
    id: 'cnn-transfer',
    title: 'Transfer learning with a CNN base',
    what: 'Shirts vs sandals on 200 images on top of the CNN of task A (its convolutions frozen, then fine-tuned). Put its model id in base.modelId.',
    spec: {
      name: 'cnn-transfer-sandal-vs-shirt',
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 6], limit: 200, seed: 7 },
      evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', classes: [5, 6] } },
      base: { modelId: 'PUT-THE-CNN-A-MODEL-ID-HERE', dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
      compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 4, batchSize: 16, seed: 7 },
      fineTune: { epochs: 16, optimizer: { type: 'adam', learningRate: 0.0003 } },
    },
  },
];
