import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { buildModel, layerNames } from '../../../../src/training/model/build-model.js';
import { summarizeModel } from '../../../../src/training/model/summary.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const BOOK_BN: LayerSpec[] = [
  { type: 'Flatten', inputShape: [28, 28] },
  { type: 'BatchNormalization' },
  { type: 'Dense', units: 300, activation: 'elu', kernelInitializer: 'he_normal' },
  { type: 'BatchNormalization' },
  { type: 'Dense', units: 100, activation: 'elu', kernelInitializer: 'he_normal' },
  { type: 'BatchNormalization' },
  { type: 'Dense', units: 10, activation: 'softmax' },
];

describe('buildModel + summarizeModel', () => {
  it("counts the book's BatchNormalization model as Keras does", () => {
    const model = buildModel(BOOK_BN, { inputShape: [28, 28], seed: 1 });
    const s = summarizeModel(model);
    expect(s.layers.map((l) => l.params)).toEqual([0, 3136, 235500, 1200, 30100, 400, 1010]);
    expect(s.layers.map((l) => l.name)).toEqual([
      'flatten',
      'batch_normalization',
      'dense',
      'batch_normalization_1',
      'dense_1',
      'batch_normalization_2',
      'dense_2',
    ]);
    expect(s.layers[2]).toMatchObject({ type: 'Dense', outputShape: [null, 300], trainable: true });
    expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([271346, 268978, 2368]);
    model.dispose();
  });

  it('counts a frozen layer as non-trainable', () => {
    const model = buildModel(
      [
        { type: 'Dense', units: 4, name: 'frozen', trainable: false },
        { type: 'Dense', units: 1 },
      ],
      { inputShape: [3] },
    );
    const s = summarizeModel(model);
    expect(s.layers[0]).toMatchObject({ name: 'frozen', params: 16, trainable: false });
    expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([21, 5, 16]);
    model.dispose();
  });

  it('builds every layer type with Keras defaults and trains a step', async () => {
    const layers: LayerSpec[] = [
      { type: 'Dense', units: 8, activation: 'selu', kernelInitializer: 'lecun_normal', name: 'in' },
      { type: 'AlphaDropout', rate: 0.1 },
      { type: 'Dense', units: 8, activation: 'leaky_relu', useBias: false },
      { type: 'BatchNormalization', momentum: 0.9, center: false, scale: false },
      { type: 'LeakyReLU' },
      { type: 'PReLU', alphaInitializer: 'ones' },
      { type: 'ELU', alpha: 0.5 },
      { type: 'RReLU' },
      { type: 'Activation', activation: 'gelu' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 3, activation: 'softmax', kernelInitializer: { type: 'VarianceScaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } },
    ];
    const model = buildModel(layers, { inputShape: [5], seed: 7 });
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      'Dense',
      'AlphaDropout',
      'Dense',
      'BatchNormalization',
      'LeakyReLU',
      'PReLU',
      'ELU',
      'RReLU',
      'Activation',
      'Dropout',
      'Dense',
    ]);
    expect((model.layers[4].getConfig() as { alpha: number }).alpha).toBe(0.3);
    expect((model.layers[3].getConfig() as { momentum: number; epsilon: number }).epsilon).toBe(0.001);
    expect(model.layers[2].countParams()).toBe(64);
    const elu = tf.tidy(() => Array.from((model.layers[6].apply(tf.tensor2d([[-1, 2]])) as tf.Tensor).dataSync()));
    expect(elu[0]).toBeCloseTo(0.5 * (Math.exp(-1) - 1), 6);
    expect(elu[1]).toBe(2);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.randomNormal([16, 5], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    const h = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('gives the same initial weights for the same seed', () => {
    const spec: LayerSpec[] = [
      { type: 'Dense', units: 3, kernelInitializer: 'he_normal' },
      { type: 'Dense', units: 2 },
    ];
    const a = buildModel(spec, { inputShape: [4], seed: 5 });
    const b = buildModel(spec, { inputShape: [4], seed: 5 });
    const c = buildModel(spec, { inputShape: [4], seed: 6 });
    const w = (m: tf.LayersModel) => m.getWeights().flatMap((t) => Array.from(t.dataSync()));
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    // Layers draw differently from one another (seed + index).
    expect(Array.from(a.layers[0].getWeights()[0].dataSync()).slice(0, 6)).not.toEqual(Array.from(a.layers[1].getWeights()[0].dataSync()));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('names layers like Keras, skipping names already taken', () => {
    expect(
      layerNames([{ type: 'Dense', units: 1 }, { type: 'Dense', units: 1, name: 'dense_1' }, { type: 'Dense', units: 1 }, { type: 'PReLU' }], ['dense']),
    ).toEqual(['dense_2', 'dense_1', 'dense_3', 'p_re_lu']);
  });

  it('releases its tensors when a layer cannot be built', () => {
    const before = tf.memory().numTensors;
    expect(() =>
      buildModel([{ type: 'Dense', units: 4 }, { type: 'BatchNormalization' }, { type: 'Dense', units: 2, kernelInitializer: 'identity' }], {
        inputShape: [3],
      }),
    ).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
