/**
 * The BatchNormalization layer's fused training step (src/training/model/layers/batch-norm-training.ts)
 * against tfjs's own BatchNormalization on the same weights: the output, the gradients with
 * respect to the input, gamma and beta, and the moving mean and variance after the step, on
 * random shapes (rank 2 and 3, with and without center/scale); no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormalization } from '../../../../src/training/model/layers/batch-normalization.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

type Args = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;

/** One training step through `layer`: output, gradients (input, then weights in order), moving stats. */
function step(layer: tf.layers.Layer, x: tf.Tensor, dy: tf.Tensor) {
  const trainable = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const out = tf.tidy(() => {
    const f = (xs: tf.Tensor) => tf.sum(tf.mul(layer.apply(xs, { training: true }) as tf.Tensor, dy)) as tf.Scalar;
    const dx = tf.grad(f)(x);
    const { grads } = tf.variableGrads(() => f(x), trainable);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    return [y, dx, ...trainable.map((v) => grads[v.name])];
  });
  const values = out.map((t) => Array.from(t.dataSync()));
  tf.dispose(out);
  // Three applications above, each updating the moving averages.
  const moving = layer
    .getWeights()
    .slice(-2)
    .map((w) => Array.from(w.dataSync()));
  return { values, moving };
}

function expectClose(a: number[], b: number[], tol: number) {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...b.map(Math.abs));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * scale);
}

describe('BatchNormalization training step', () => {
  const cases: Array<{ shape: number[]; args: Args }> = [
    { shape: [32, 30], args: {} },
    { shape: [7, 5], args: { momentum: 0.9, epsilon: 0.01 } },
    { shape: [4, 3, 6], args: {} },
  ];
  it.each(cases)('%j matches tfjs BatchNormalization', ({ shape, args }) => {
    const features = shape[shape.length - 1];
    const x = tf.randomNormal(shape, 2, 3, 'float32', 1);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const ours = batchNormalization(args);
    const theirs = tf.layers.batchNormalization(args);
    ours.build([null, ...shape.slice(1)]);
    theirs.build([null, ...shape.slice(1)]);
    // Random gamma/beta (where present) and moving statistics, the same in both.
    const weights = ours.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', 10 + i));
    ours.setWeights(weights);
    theirs.setWeights(weights);
    const before = tf.memory().numTensors;
    const a = step(ours, x, dy);
    expect(tf.memory().numTensors).toBe(before);
    const b = step(theirs, x, dy);
    expect(a.values.length).toBe(b.values.length);
    a.values.forEach((v, i) => expectClose(v, b.values[i], 2e-5));
    a.moving.forEach((v, i) => expectClose(v, b.moving[i], 2e-5));
    expect(a.values[0].length).toBe(tf.util.sizeFromShape(shape));
    expect(a.moving[0].length).toBe(features);
    tf.dispose([x, dy, ...weights]);
    for (const w of [...ours.weights, ...theirs.weights]) w.dispose();
  });

  // tfjs cannot train without beta or gamma; the reference is tfjs's layer with beta 0 / gamma 1.
  it.each([{ center: false }, { scale: false }])('%j matches tfjs with the missing weight at its constant', (args) => {
    const shape = [16, 8];
    const x = tf.randomNormal(shape, 1, 2, 'float32', 4);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 5);
    const ours = batchNormalization(args);
    const theirs = tf.layers.batchNormalization({});
    ours.build([null, 8]);
    theirs.build([null, 8]);
    // tfjs's weights: gamma, beta, moving mean, moving variance.
    const full = [
      tf.randomUniform([8], 0.5, 1.5, 'float32', 6),
      tf.randomNormal([8], 0, 1, 'float32', 7),
      tf.randomNormal([8], 0, 1, 'float32', 8),
      tf.randomUniform([8], 0.5, 1.5, 'float32', 9),
    ];
    if (args.center === false) full[1] = tf.zeros([8]);
    else full[0] = tf.ones([8]);
    theirs.setWeights(full);
    ours.setWeights(full.filter((_, i) => i !== (args.center === false ? 1 : 0)));
    const a = step(ours, x, dy);
    const b = step(theirs, x, dy);
    // y, dx, then the one trainable weight's gradient (tfjs: gamma's is [2], beta's [3]).
    expectClose(a.values[0], b.values[0], 2e-5);
    expectClose(a.values[1], b.values[1], 2e-5);
    expectClose(a.values[2], b.values[args.center === false ? 2 : 3], 2e-5);
    a.moving.forEach((v, i) => expectClose(v, b.moving[i], 2e-5));
    tf.dispose([x, dy, ...full]);
    for (const w of [...ours.weights, ...theirs.weights]) w.dispose();
  });

  it('a frozen layer still normalizes with the moving statistics', () => {
    const layer = batchNormalization({});
    layer.build([null, 4]);
    layer.trainable = false;
    const x = tf.randomNormal([6, 4], 5, 2, 'float32', 3);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    // Moving mean 0, variance 1 at start: the output is x / sqrt(1 + eps).
    expectClose(Array.from(y.dataSync()), Array.from(x.div(Math.sqrt(1.001)).dataSync()), 1e-6);
    tf.dispose([x, y]);
    for (const w of layer.weights) w.dispose();
  });
});
