/**
 * The models the ONNX export is checked on: one per layer type the service trains (built from
 * spec layers, as a job builds them), the convolution and pooling layers (built with tf.layers),
 * functional models, and the recipes of the deep-networks chapter.
 */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, type LayerSpec } from '../../../../src/schemas/job-spec.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { prepareBaseLayers } from '../../../../src/training/model/transfer.js';

export interface ExportCase {
  name: string;
  inputShape: number[];
  build: () => Promise<tf.LayersModel> | tf.LayersModel;
  /** The inputs to compare on (default: normal, sd 2). */
  input?: (samples: number, seed: number) => tf.Tensor;
}

const spec = (layers: object[]) => layers as LayerSpec[];

/**
 * Gives every weight random values (moving variances positive), so slopes, moving statistics and
 * biases are not their initial zeros and ones and a wrong mapping shows.
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((layer, li) => {
    const values = layer.weights.map((w, wi) => {
      const s = seed + li * 31 + wi;
      if (w.originalName.endsWith('moving_variance')) return tf.randomUniform(w.shape as number[], 0.5, 2, 'float32', s);
      return tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', s);
    });
    layer.setWeights(values);
    tf.dispose(values);
  });
}

const fromSpec = (name: string, inputShape: number[], layers: object[]): ExportCase => ({
  name,
  inputShape,
  build: () => buildModel(spec(layers), { inputShape, seed: 1 }),
});

/** Each layer type (and activation) a job can train. */
export const SPEC_LAYER_CASES: ExportCase[] = [
  ...ACTIVATIONS.map((activation) => fromSpec(`Dense ${activation}`, [6], [{ type: 'Dense', units: 5, activation }])),
  fromSpec(
    'Activation layer',
    [6],
    [
      { type: 'Dense', units: 4 },
      { type: 'Activation', activation: 'gelu' },
    ],
  ),
  fromSpec('Dense without bias', [6], [{ type: 'Dense', units: 4, useBias: false }]),
  fromSpec('BatchNormalization', [6], [{ type: 'BatchNormalization', epsilon: 0.01 }]),
  fromSpec('BatchNormalization without center and scale', [6], [{ type: 'BatchNormalization', center: false, scale: false }]),
  fromSpec(
    'Dropout and AlphaDropout',
    [6],
    [
      { type: 'Dense', units: 8 },
      { type: 'Dropout', rate: 0.5 },
      { type: 'AlphaDropout', rate: 0.2 },
      { type: 'Dense', units: 3 },
    ],
  ),
  fromSpec(
    'LeakyReLU',
    [6],
    [
      { type: 'Dense', units: 5 },
      { type: 'LeakyReLU', alpha: 0.1 },
    ],
  ),
  fromSpec('PReLU', [6], [{ type: 'Dense', units: 5 }, { type: 'PReLU' }]),
  fromSpec('PReLU on images with shared axes', [4, 4, 3], [{ type: 'PReLU', sharedAxes: [1, 2] }, { type: 'Flatten' }]),
  fromSpec(
    'ELU alpha 0.5',
    [6],
    [
      { type: 'Dense', units: 5 },
      { type: 'ELU', alpha: 0.5 },
    ],
  ),
  fromSpec(
    'RReLU',
    [6],
    [
      { type: 'Dense', units: 5 },
      { type: 'RReLU', lower: 0.1, upper: 0.3 },
    ],
  ),
  // The service's dilated layers (they train with a dilated kernel) save as the standard ones, dilations and all.
  fromSpec(
    'Conv2D and SeparableConv2D dilated',
    [9, 8, 3],
    [
      { type: 'Conv2D', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' },
      { type: 'SeparableConv2D', filters: 2, kernelSize: 2, dilationRate: [1, 3], depthMultiplier: 2 },
    ],
  ),
  fromSpec('Conv1D dilated', [9, 2], [{ type: 'Conv1D', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }]),
  // Weight penalties and constraints only shape training: they are saved in the layer configs and the export leaves them out.
  fromSpec(
    'weight penalties and constraints',
    [7, 6, 2],
    [
      { type: 'Conv2D', filters: 3, kernelSize: 3, kernelRegularizer: { l2: 0.01 }, kernelConstraint: { type: 'maxNorm', maxValue: 2, axis: [0, 1, 2] } },
      {
        type: 'DepthwiseConv2D',
        kernelSize: 2,
        depthwiseRegularizer: { l1: 0.01 },
        depthwiseConstraint: { type: 'unitNorm' },
        biasConstraint: { type: 'nonNeg' },
      },
      { type: 'SeparableConv2D', filters: 2, kernelSize: 2, depthwiseRegularizer: { l2: 0.1 }, pointwiseConstraint: { type: 'maxNorm', maxValue: 1 } },
      { type: 'Flatten' },
      { type: 'Dense', units: 3, kernelRegularizer: { l1: 0.001, l2: 0.01 }, biasRegularizer: { l2: 0.1 }, kernelConstraint: { type: 'maxNorm', maxValue: 3 } },
    ],
  ),
  fromSpec(
    'Conv1D with a penalty and a constraint',
    [9, 2],
    [{ type: 'Conv1D', filters: 3, kernelSize: 3, kernelRegularizer: { l2: 0.01 }, biasConstraint: { type: 'nonNeg' } }],
  ),
  fromSpec('Flatten', [3, 4], [{ type: 'Flatten' }, { type: 'Dense', units: 2 }]),
  fromSpec('Reshape', [12], [{ type: 'Reshape', targetShape: [3, 4] }, { type: 'Dense', units: 2 }, { type: 'Flatten' }]),
];

const seq =
  (inputShape: number[], layers: tf.layers.Layer[]): ExportCase['build'] =>
  () => {
    const model = tf.sequential();
    layers.forEach((layer) => model.add(layer));
    return model;
  };

const image = [7, 6, 3];
const L = tf.layers;

/** Convolution and pooling layers, channels last, with odd sizes so `same` padding is uneven. */
export const CONV_CASES: ExportCase[] = [
  {
    name: 'Conv2D same relu',
    inputShape: image,
    build: seq(image, [L.conv2d({ inputShape: image, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })]),
  },
  { name: 'Conv2D valid strides 2', inputShape: image, build: seq(image, [L.conv2d({ inputShape: image, filters: 4, kernelSize: [3, 2], strides: 2 })]) },
  {
    name: 'Conv2D same strides 2',
    inputShape: image,
    build: seq(image, [L.conv2d({ inputShape: image, filters: 2, kernelSize: 3, strides: 2, padding: 'same' })]),
  },
  {
    name: 'Conv2D dilated',
    inputShape: image,
    build: seq(image, [L.conv2d({ inputShape: image, filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false })]),
  },
  {
    name: 'DepthwiseConv2D',
    inputShape: image,
    build: seq(image, [L.depthwiseConv2d({ inputShape: image, kernelSize: 3, depthMultiplier: 2, padding: 'same' })]),
  },
  {
    name: 'SeparableConv2D',
    inputShape: image,
    build: seq(image, [L.separableConv2d({ inputShape: image, filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' })]),
  },
  { name: 'MaxPooling2D', inputShape: image, build: seq(image, [L.maxPooling2d({ inputShape: image, poolSize: 2 })]) },
  { name: 'MaxPooling2D same', inputShape: image, build: seq(image, [L.maxPooling2d({ inputShape: image, poolSize: 3, strides: 2, padding: 'same' })]) },
  { name: 'AveragePooling2D', inputShape: image, build: seq(image, [L.averagePooling2d({ inputShape: image, poolSize: [2, 3] })]) },
  { name: 'AveragePooling2D same', inputShape: image, build: seq(image, [L.averagePooling2d({ inputShape: image, poolSize: 2, padding: 'same' })]) },
  { name: 'GlobalAveragePooling2D', inputShape: image, build: seq(image, [L.globalAveragePooling2d({ inputShape: image })]) },
  { name: 'GlobalMaxPooling2D', inputShape: image, build: seq(image, [L.globalMaxPooling2d({ inputShape: image })]) },
  {
    name: 'ZeroPadding2D',
    inputShape: image,
    build: seq(image, [
      L.zeroPadding2d({
        inputShape: image,
        padding: [
          [1, 2],
          [0, 3],
        ],
      }),
    ]),
  },
  {
    name: 'a small CNN (conv, BN, pool, flatten, dense)',
    inputShape: [8, 8, 1],
    build: seq(
      [8, 8, 1],
      [
        L.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same' }),
        L.batchNormalization(),
        L.activation({ activation: 'relu' }),
        L.maxPooling2d({ poolSize: 2 }),
        L.conv2d({ filters: 6, kernelSize: 3 }),
        L.flatten(),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    ),
  },
  {
    name: 'Conv1D and pooling 1D',
    inputShape: [9, 2],
    build: seq(
      [9, 2],
      [L.conv1d({ inputShape: [9, 2], filters: 3, kernelSize: 3, padding: 'same' }), L.maxPooling1d({ poolSize: 2 }), L.globalAveragePooling1d({})],
    ),
  },
];

/** Layers an imported model may have. */
export const IMPORTED_LAYER_CASES: ExportCase[] = [
  { name: 'ThresholdedReLU', inputShape: [6], build: seq([6], [L.thresholdedReLU({ inputShape: [6], theta: 0.5 })]) },
  { name: 'ReLU with maxValue', inputShape: [6], build: seq([6], [L.reLU({ inputShape: [6], maxValue: 1.5 })]) },
  { name: 'Softmax layer', inputShape: [6], build: seq([6], [L.softmax({ inputShape: [6] })]) },
  {
    name: 'GaussianNoise and GaussianDropout',
    inputShape: [6],
    build: seq([6], [L.gaussianNoise({ inputShape: [6], stddev: 1 }), L.gaussianDropout({ rate: 0.3 }), L.dense({ units: 2 })]),
  },
  {
    name: 'Embedding',
    inputShape: [5],
    build: seq([5], [L.embedding({ inputDim: 10, outputDim: 3, inputLength: 5 }), L.flatten()]),
    input: (n, seed) => tf.floor(tf.randomUniform([n, 5], 0, 10, 'float32', seed)),
  },
];

/** Functional models: a shared input feeding two branches, merged; an autoencoder. */
export const FUNCTIONAL_CASES: ExportCase[] = [
  {
    name: 'functional with Add and Concatenate',
    inputShape: [6],
    build: () => {
      const input = tf.input({ shape: [6] });
      const a = L.dense({ units: 4, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
      const b = L.dense({ units: 4, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
      const sum = L.add().apply([a, b]) as tf.SymbolicTensor;
      const joined = L.concatenate().apply([sum, a]) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: L.dense({ units: 2 }).apply(joined) as tf.SymbolicTensor });
    },
  },
  {
    name: 'functional autoencoder',
    inputShape: [8],
    build: () => {
      const input = tf.input({ shape: [8] });
      const code = L.dense({ units: 3, activation: 'selu' }).apply(input) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: L.dense({ units: 8, activation: 'sigmoid' }).apply(code) as tf.SymbolicTensor });
    },
  },
];

const hidden = (n: number, layer: object) => Array.from({ length: n }, () => layer);

/** The recipes of the deep-networks chapter, as jobs spell them. */
export const RECIPE_CASES: ExportCase[] = [
  fromSpec(
    'ReLU with He initialization',
    [12],
    [...hidden(3, { type: 'Dense', units: 16, activation: 'relu', kernelInitializer: 'he_normal' }), { type: 'Dense', units: 4, activation: 'softmax' }],
  ),
  fromSpec(
    'SELU self-normalizing',
    [12],
    [
      ...hidden(3, { type: 'Dense', units: 16, activation: 'selu', kernelInitializer: 'lecun_normal' }),
      { type: 'AlphaDropout', rate: 0.1 },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ],
  ),
  fromSpec(
    'BatchNormalization before the activation',
    [12],
    [
      { type: 'Dense', units: 16, useBias: false },
      { type: 'BatchNormalization' },
      { type: 'Activation', activation: 'elu' },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ],
  ),
  fromSpec(
    'BatchNormalization after the activation',
    [12],
    [
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ],
  ),
  fromSpec(
    'PReLU network',
    [12],
    [{ type: 'Dense', units: 16 }, { type: 'PReLU' }, { type: 'Dense', units: 16 }, { type: 'PReLU' }, { type: 'Dense', units: 1, activation: 'sigmoid' }],
  ),
  fromSpec(
    'RReLU network',
    [12],
    [{ type: 'Dense', units: 16 }, { type: 'RReLU' }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense', units: 3, activation: 'softmax' }],
  ),
  {
    name: 'transfer-learned (frozen reused layers, new top)',
    inputShape: [4, 3],
    build: async () => {
      const base = buildModel(
        spec([
          { type: 'Flatten', name: 'flatten' },
          { type: 'Dense', units: 10, activation: 'relu', name: 'hidden1' },
          { type: 'BatchNormalization', name: 'bn' },
          { type: 'Dense', units: 5, name: 'top' },
        ]),
        { inputShape: [4, 3], seed: 3 },
      );
      randomizeWeights(base, 11);
      const { layers } = await prepareBaseLayers(base, { dropLast: 1, freeze: true });
      base.dispose();
      return buildModel(spec([{ type: 'Dense', units: 1, activation: 'sigmoid' }]), { inputShape: [4, 3], base: layers, seed: 4 });
    },
  },
];
