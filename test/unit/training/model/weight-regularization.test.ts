import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random.js';
import type { EpochMetrics } from '../../../../src/core/run-types.js';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { evaluateModel, trainPhase } from '../../../../src/training/loop/train.js';
import { deserializeModel, serializeModel } from '../../../../src/training/model/artifact.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { createOptimizer } from '../../../../src/training/model/optimizers.js';
import { prepareBaseLayers } from '../../../../src/training/model/transfer.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** n samples of 4 features; class = whether the first two sum above 0. */
function data(n: number) {
  const rnd = mulberry32(11);
  const rows = Array.from({ length: n }, () => Array.from({ length: 4 }, () => rnd() * 4 - 2));
  return { x: tf.tensor2d(rows), y: tf.tensor1d(rows.map((r) => (r[0] + r[1] > 0 ? 1 : 0))) };
}

/** Trains `model` (compiled) through the service's phase loop; returns its epoch rows. */
async function train(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number, batchSize: number): Promise<EpochMetrics[]> {
  const rows: EpochMetrics[] = [];
  await trainPhase({ model, x, y, epochs, batchSize, shuffle: false, phase: 'train', epochOffset: 0, hooks: { onEpoch: (r) => void rows.push(r) } });
  return rows;
}

/** The L2 norm of each column (each unit's incoming weights, Keras MaxNorm's axis 0) of a Dense kernel. */
const columnNorms = (kernel: tf.Tensor) => Array.from(tf.tidy(() => tf.sqrt(tf.sum(tf.square(kernel), 0))).dataSync());

describe('weight penalties', () => {
  it('the reported loss is the unregularized loss plus exactly the penalty at step 0; evaluation leaves it out', async () => {
    const { x, y } = data(32);
    const layers = (kernelRegularizer?: { l1?: number; l2?: number }, biasRegularizer?: { l1?: number }): LayerSpec[] => [
      { type: 'Dense', units: 5, activation: 'tanh', biasInitializer: { type: 'Constant', value: 0.3 }, kernelRegularizer, biasRegularizer },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ];
    const plain = buildModel(layers(), { inputShape: [4], seed: 7 });
    const penalized = buildModel(layers({ l2: 0.1, l1: 0.02 }, { l1: 0.05 }), { inputShape: [4], seed: 7 });
    const [kernel, bias] = penalized.layers[0].getWeights().map((w) => Array.from(w.dataSync()));
    expect(kernel).toEqual(Array.from(plain.layers[0].getWeights()[0].dataSync())); // same seed, same start
    const penalty = kernel.reduce((s, w) => s + 0.1 * w * w + 0.02 * Math.abs(w), 0) + bias.reduce((s, b) => s + 0.05 * Math.abs(b), 0);
    expect(penalty).toBeGreaterThan(0.1);

    for (const m of [plain, penalized]) m.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    const before = [await evaluateModel(plain, x, y), await evaluateModel(penalized, x, y)];
    expect(before[1].loss).toBeCloseTo(before[0].loss, 6); // tfjs's test loss (val_loss, evaluation) has no penalty
    // One batch: the epoch's loss is the loss of step 0, taken before the update.
    const [plainRow] = await train(plain, x, y, 1, 32);
    const [penalizedRow] = await train(penalized, x, y, 1, 32);
    expect(penalizedRow.loss - plainRow.loss).toBeCloseTo(penalty, 5);
    tf.dispose([x, y]);
    plain.dispose();
    penalized.dispose();
  });
});

describe('weight constraints', () => {
  const spec = (kernelConstraint?: { type: 'maxNorm'; maxValue: number }): LayerSpec[] => [
    {
      type: 'Dense',
      units: 6,
      activation: 'relu',
      kernelInitializer: { type: 'RandomUniform', minval: -0.1, maxval: 0.1 },
      kernelConstraint,
    },
    // A softmax bias's gradients sum to 0 over the units: from zeros, some of it goes negative.
    { type: 'Dense', units: 2, activation: 'softmax', biasConstraint: kernelConstraint ? { type: 'nonNeg' } : undefined },
  ];

  it('max-norm keeps every kernel column at most maxValue through training, where without it the norms grow past it; nonNeg keeps a bias >= 0', async () => {
    const { x, y } = data(64);
    const free = buildModel(spec(), { inputShape: [4], seed: 3 });
    const capped = buildModel(spec({ type: 'maxNorm', maxValue: 0.3 }), { inputShape: [4], seed: 3 });
    expect(Math.max(...columnNorms(capped.layers[0].getWeights()[0]))).toBeLessThan(0.25); // starts under the cap
    // The spec's optimizer, with its own gradient hook (clipping) that the constraint must sit on top of.
    const optimizers = [createOptimizer({ type: 'sgd', learningRate: 0.5, clipNorm: 10 }), createOptimizer({ type: 'sgd', learningRate: 0.5, clipNorm: 10 })];
    free.compile({ optimizer: optimizers[0], loss: 'sparseCategoricalCrossentropy' });
    capped.compile({ optimizer: optimizers[1], loss: 'sparseCategoricalCrossentropy' });
    const clipHook = optimizers[1].applyGradients;
    await train(free, x, y, 3, 8);
    await train(capped, x, y, 3, 8);

    const freeNorms = columnNorms(free.layers[0].getWeights()[0]);
    const cappedNorms = columnNorms(capped.layers[0].getWeights()[0]);
    expect(Math.max(...freeNorms)).toBeGreaterThan(0.5);
    for (const norm of cappedNorms) expect(norm).toBeLessThanOrEqual(0.3 + 1e-5);
    expect(Math.max(...cappedNorms)).toBeGreaterThan(0.29); // it trained up to the cap
    // nonNeg on the output bias.
    expect(Math.min(...free.layers[1].getWeights()[1].dataSync())).toBeLessThan(-0.01);
    expect(Math.min(...capped.layers[1].getWeights()[1].dataSync())).toBeGreaterThanOrEqual(0);
    // The phase hands the optimizer back as it found it.
    expect(optimizers[1].applyGradients).toBe(clipHook);
    tf.dispose([x, y]);
    free.dispose();
    capped.dispose();
    optimizers.forEach((o) => o.dispose());
  });
});

describe('saved models with penalties and constraints', () => {
  const l2 = { l2: 0.01 };
  const maxNorm = { type: 'maxNorm' as const, maxValue: 2, axis: [0, 1, 2] };
  const LAYERS: LayerSpec[] = [
    { type: 'Conv2D', filters: 3, kernelSize: 3, activation: 'relu', name: 'conv', kernelRegularizer: { l1: 0.001, l2: 0.01 }, kernelConstraint: maxNorm },
    {
      type: 'DepthwiseConv2D',
      kernelSize: 3,
      name: 'depthwise',
      depthwiseRegularizer: l2,
      depthwiseConstraint: { type: 'unitNorm', axis: [0, 1] },
      biasRegularizer: { l1: 0.1 },
    },
    {
      type: 'SeparableConv2D',
      filters: 2,
      kernelSize: 2,
      name: 'separable',
      depthwiseRegularizer: l2,
      pointwiseRegularizer: { l2: 0.02 },
      pointwiseConstraint: { type: 'maxNorm', maxValue: 1.5 },
      biasConstraint: { type: 'nonNeg' },
    },
    { type: 'Flatten' },
    { type: 'Dense', units: 3, activation: 'softmax', name: 'out', kernelRegularizer: l2, biasConstraint: { type: 'maxNorm', maxValue: 1 } },
  ];
  const OPTIONS = ['kernelRegularizer', 'biasRegularizer', 'depthwiseRegularizer', 'pointwiseRegularizer'].flatMap((r) => [
    r,
    r.replace('Regularizer', 'Constraint'),
  ]);
  const optionsOf = (model: tf.LayersModel) =>
    model.layers.map((layer) => Object.fromEntries(OPTIONS.filter((o) => layer.getConfig()[o] != null).map((o) => [o, layer.getConfig()[o]])));

  /** Each layer weight's penalty, as tfjs adds it to the training loss. */
  const penalties = (model: tf.LayersModel) =>
    model.layers.flatMap((layer) => {
      const values = layer.calculateLosses();
      const out = values.map((v) => v.dataSync()[0]);
      tf.dispose(values);
      return out;
    });

  it('load, predict, and train as a transfer base with their penalties and constraints', async () => {
    const model = buildModel(LAYERS, { inputShape: [7, 7, 1], seed: 2 });
    const saved = optionsOf(model);
    expect(saved[0]).toEqual({
      kernelRegularizer: { className: 'L1L2', config: { l1: 0.001, l2: 0.01 } },
      kernelConstraint: { className: 'MaxNorm', config: { maxValue: 2, axis: [0, 1, 2] } },
    });
    // tfjs's own DepthwiseConv2D saved its regularizer as its constraint.
    expect(saved[1]['depthwiseConstraint']).toEqual({ className: 'UnitNorm', config: { axis: [0, 1] } });
    expect(saved[1]['depthwiseRegularizer']).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(Object.keys(saved[2]).sort()).toEqual(['biasConstraint', 'depthwiseRegularizer', 'pointwiseConstraint', 'pointwiseRegularizer']);

    const artifact = await serializeModel(model);
    const { model: loaded } = await deserializeModel({ modelJson: JSON.parse(JSON.stringify(artifact.modelJson)), weights: artifact.weights });
    expect(optionsOf(loaded)).toEqual(saved);
    // Every penalty is back on the loss, with the same value.
    expect(penalties(loaded)).toHaveLength(6);
    expect(penalties(loaded)).toEqual(penalties(model));
    const x = tf.randomNormal([6, 7, 7, 1], 0, 1, 'float32', 4);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));

    // As a transfer base: the clones keep the options, and their constraints hold in training.
    const { layers } = await prepareBaseLayers(loaded, { dropLast: 1 });
    const tuned = buildModel([{ type: 'Dense', units: 3, activation: 'softmax' }], { inputShape: [7, 7, 1], base: layers, seed: 1 });
    expect(optionsOf(tuned).slice(0, 4)).toEqual(saved.slice(0, 4));
    tuned.compile({ optimizer: tf.train.sgd(1), loss: 'sparseCategoricalCrossentropy' });
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2]);
    await train(tuned, x, y, 2, 3);
    const depthwise = tuned.getLayer('depthwise').getWeights()[0];
    // UnitNorm over [height, width]: each channel's 3x3 filter has norm 1.
    for (const norm of tf.tidy(() => tf.sqrt(tf.sum(tf.square(depthwise), [0, 1]))).dataSync()) expect(norm).toBeCloseTo(1, 4);
    expect(Math.min(...tuned.getLayer('separable').getWeights()[2].dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
    tuned.dispose();
  });
});
