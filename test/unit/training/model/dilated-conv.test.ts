/**
 * The convolutions that train dilated (src/training/model/layers/dilated-conv.ts): the dilated
 * kernel itself, the forward pass against tfjs's own dilated layers, the gradients against finite
 * differences on the cpu and wasm backends (wasm through the service's convolution gradients), and
 * the saved model: a standard layer with its dilationRate that loads, trains and transfers.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { dilateKernel } from '../../../../src/training/model/layers/dilate-kernel.js';
import { Conv1D, Conv2D, SeparableConv2D } from '../../../../src/training/model/layers/dilated-conv.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { deserializeModel, serializeModel } from '../../../../src/training/model/artifact.js';
import { prepareBaseLayers } from '../../../../src/training/model/transfer.js';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { expectClose, seeded } from '../kernels/compare.js';

const BACKENDS = ['cpu', 'wasm'] as const;

beforeAll(async () => {
  // Installs the service's wasm convolution gradients too.
  await initBackend('wasm', { wasmThreads: 1 });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Values in [-1, 1) from a seed. */
function values(shape: number[], seed: number): tf.Tensor {
  const rand = seeded(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1),
    shape,
  );
}

/** One layer of each kind at dilation 2 (or [2, 1] / [1, 2]), with its input shape and tfjs's own layer of the same config. */
interface LayerCase {
  name: string;
  input: number[];
  ours: () => tf.layers.Layer;
  stock: () => tf.layers.Layer;
}

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
const conv2dArgs: ConvArgs = { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' };
const fusedArgs: ConvArgs = { filters: 2, kernelSize: [2, 3], dilationRate: [2, 1], padding: 'valid', activation: 'linear' };
const conv1dArgs: ConvArgs = { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' };
const separableArgs: Parameters<typeof tf.layers.separableConv2d>[0] = {
  filters: 2,
  kernelSize: 2,
  dilationRate: [1, 2],
  depthMultiplier: 2,
  activation: 'tanh',
};

const CASES: LayerCase[] = [
  { name: 'Conv2D 3x3, same, tanh', input: [2, 7, 6, 2], ours: () => new Conv2D(conv2dArgs), stock: () => tf.layers.conv2d(conv2dArgs) },
  // A linear (or relu) Conv2D runs tfjs's fused convolution and its own gradient.
  { name: 'Conv2D 2x3, valid, fused', input: [2, 7, 6, 2], ours: () => new Conv2D(fusedArgs), stock: () => tf.layers.conv2d(fusedArgs) },
  { name: 'Conv1D 3, same, tanh', input: [2, 9, 2], ours: () => new Conv1D(conv1dArgs), stock: () => tf.layers.conv1d(conv1dArgs) },
  {
    name: 'SeparableConv2D 2x2, valid, tanh',
    input: [2, 6, 7, 2],
    ours: () => new SeparableConv2D(separableArgs),
    stock: () => tf.layers.separableConv2d(separableArgs),
  },
];

/** Builds the layer on `input` with seeded weights (biases too, so they are not zero). */
function built(make: () => tf.layers.Layer, input: number[], seed: number): tf.layers.Layer {
  const layer = make();
  // Applied to a symbolic input (not just built), so layer.dispose() releases its weights.
  layer.apply(tf.input({ shape: input.slice(1) }));
  const weights = layer.weights.map((w, i) => values(w.shape as number[], seed + i));
  layer.setWeights(weights);
  tf.dispose(weights);
  return layer;
}

describe('dilateKernel', () => {
  it('spaces the taps of each spatial axis by its rate, zeros between', () => {
    // A [2, 3, 1, 1] kernel at rates [3, 2]: rows 0 and 3, columns 0, 2 and 4 of a [4, 5] one.
    const kernel = tf.tensor4d([1, 2, 3, 4, 5, 6], [2, 3, 1, 1]);
    const dilated = dilateKernel(kernel, [3, 2]);
    expect(dilated.shape).toEqual([4, 5, 1, 1]);
    expect(Array.from(dilated.dataSync())).toEqual([1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 5, 0, 6]);
    const channels = dilateKernel(values([2, 2, 3, 2], 1), [1, 2]);
    expect(channels.shape).toEqual([2, 3, 3, 2]);
    tf.dispose([kernel, dilated, channels]);
  });
});

describe.each(BACKENDS)('dilated convolutions on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(CASES)('$name: the same outputs as tfjs own dilated layer, nothing left behind', ({ input, ours, stock }) => {
    const x = values(input, 11);
    const a = built(ours, input, 3);
    const b = built(stock, input, 3);
    const before = tf.memory().numTensors;
    const [ya, yb] = [a.apply(x) as tf.Tensor, b.apply(x) as tf.Tensor];
    expect(ya.shape).toEqual(yb.shape);
    expectClose(ya.dataSync(), yb.dataSync(), 1e-5);
    tf.dispose([ya, yb]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it.each(CASES)('$name: the gradient of every weight matches finite differences', ({ input, ours }) => {
    const x = values(input, 21);
    const layer = built(ours, input, 5);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    // Every output position weighs differently in the loss, so a misplaced tap shows.
    const dy = tf.tidy(() => values((layer.apply(x) as tf.Tensor).shape, 31));
    const loss = () => tf.tidy(() => (layer.apply(x) as tf.Tensor).mul(dy).sum() as tf.Scalar);
    const { value, grads } = tf.variableGrads(loss, variables);
    const eps = 1e-2;
    for (const variable of variables) {
      const analytic = grads[variable.name].dataSync();
      const original = variable.dataSync().slice();
      const numeric = new Float32Array(original.length);
      const at = (i: number, delta: number) => {
        const moved = original.slice();
        moved[i] += delta;
        variable.assign(tf.tensor(moved, variable.shape));
        return tf.tidy(() => loss().dataSync()[0]);
      };
      for (let i = 0; i < original.length; i++) numeric[i] = (at(i, eps) - at(i, -eps)) / (2 * eps);
      variable.assign(tf.tensor(original, variable.shape));
      expect(analytic.length, variable.name).toBe(numeric.length);
      // Central differences in float32 come within about 5e-5 of the scale (rounding of the loss over 2 eps,
      // eps^2 of curvature); a gradient 0.1% off fails.
      expectClose(analytic, numeric, 5e-4);
    }
    tf.dispose([x, dy, value, ...Object.values(grads)]);
    layer.dispose();
  });
});

describe('why the layers exist', () => {
  it('tfjs own dilated Conv2D has no gradient', async () => {
    await tf.setBackend('cpu');
    const x = values([1, 5, 5, 1], 1);
    const layer = built(() => tf.layers.conv2d({ filters: 1, kernelSize: 2, dilationRate: 2 }), [1, 5, 5, 1], 2);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(() => tf.variableGrads(() => (layer.apply(x) as tf.Tensor).sum() as tf.Scalar, variables)).toThrow(/dilation/);
    tf.dispose(x);
    layer.dispose();
  });
});

describe('a saved model with dilated convolutions', () => {
  const SPEC: LayerSpec[] = [
    { type: 'Conv2D', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu', inputShape: [7, 7, 1], name: 'dilated' },
    { type: 'SeparableConv2D', filters: 2, kernelSize: 2, dilationRate: [1, 2], depthMultiplier: 2, name: 'separable' },
    { type: 'Flatten' },
    { type: 'Dense', units: 2, activation: 'softmax', name: 'out' },
  ] as LayerSpec[];

  it('is standard Conv2D and SeparableConv2D layers with their dilation_rate (and depth_multiplier), loads as the trainable ones, and trains as a transfer base', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(SPEC, { inputShape: [7, 7, 1], seed: 1 });
    const artifact = await serializeModel(model);
    const topology = artifact.modelJson['modelTopology'] as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
    const saved = topology.config.layers.filter((l) => l.config['name'] !== 'out' && l.class_name !== 'Flatten');
    expect(saved.map((l) => [l.class_name, l.config['dilation_rate']])).toEqual([
      ['Conv2D', [2, 2]],
      ['SeparableConv2D', [1, 2]],
    ]);
    // tfjs's own SeparableConv2D leaves depth_multiplier out, and then the model does not load.
    expect(saved[1].config['depth_multiplier']).toBe(2);

    const { model: restored } = await deserializeModel({ modelJson: JSON.parse(JSON.stringify(artifact.modelJson)), weights: artifact.weights });
    expect(restored.getLayer('dilated')).toBeInstanceOf(Conv2D);
    expect(restored.getLayer('separable')).toBeInstanceOf(SeparableConv2D);
    const x = values([8, 7, 7, 1], 4);
    const [a, b] = [model.predict(x) as tf.Tensor, restored.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));

    // The base's dilated layers are cloned as the trainable classes: fine-tuning them runs and moves their kernels.
    const { layers } = await prepareBaseLayers(restored, { dropLast: 1 });
    expect(layers[0]).toBeInstanceOf(Conv2D);
    const tuned = buildModel([{ type: 'Dense', units: 2, activation: 'softmax' }], { inputShape: [7, 7, 1], base: layers, seed: 2 });
    tuned.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
    const y = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1]);
    await tuned.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const kernel = (m: tf.LayersModel) => Array.from(m.getLayer('dilated').getWeights()[0].dataSync());
    expect(kernel(tuned)).not.toEqual(kernel(restored));
    tf.dispose([x, y, a, b]);
    model.dispose();
    restored.dispose();
    tuned.dispose();
  });
});
