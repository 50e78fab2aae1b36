import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradients } from '../../../../src/training/loop/clipping.js';
import { createOptimizer, DEFAULT_LEARNING_RATES } from '../../../../src/training/model/optimizers.js';
import { learningRateAt } from '../../../../src/training/model/schedules.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe('clipGradients', () => {
  it('clipNorm rescales a tensor whose norm exceeds it: [3,4] -> [0.6,0.8]', () => {
    const g = tf.tensor1d([3, 4]);
    const out = clipGradients([g], { clipNorm: 1 });
    expect(values(out)[0][0]).toBeCloseTo(0.6, 6);
    expect(values(out)[0][1]).toBeCloseTo(0.8, 6);
    tf.dispose([g, ...out]);
  });

  it('clipNorm is per tensor: one under the limit is unchanged', () => {
    const a = tf.tensor1d([3, 4]);
    const b = tf.tensor1d([0.3, 0.4]);
    const out = values(clipGradients([a, b], { clipNorm: 1 }));
    expect(out[0]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(out[1]).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
    tf.dispose([a, b]);
  });

  it('globalClipNorm scales all tensors by the global norm', () => {
    // global norm = sqrt(9+16+144) = 13; scale 2/13
    const a = tf.tensor1d([3, 4]);
    const b = tf.tensor1d([12]);
    const out = values(clipGradients([a, b], { globalClipNorm: 2 }));
    expect(out[0][0]).toBeCloseTo((3 * 2) / 13, 6);
    expect(out[0][1]).toBeCloseTo((4 * 2) / 13, 6);
    expect(out[1][0]).toBeCloseTo((12 * 2) / 13, 6);
    tf.dispose([a, b]);
  });

  it('clipValue clips each component, before the norms', () => {
    const a = tf.tensor1d([-5, 0.5, 3]);
    expect(values(clipGradients([a], { clipValue: 1 }))[0]).toEqual([-1, 0.5, 1]);
    // value first: [1, 1] has norm sqrt(2), then clipNorm 1 -> [1/sqrt2, 1/sqrt2]
    const b = tf.tensor1d([3, 4]);
    const out = values(clipGradients([b], { clipValue: 1, clipNorm: 1 }))[0];
    expect(out[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 6);
    tf.dispose([a, b]);
  });

  it('leaves no tensors behind besides its results', () => {
    const a = tf.tensor1d([3, 4]);
    const before = tf.memory().numTensors;
    const out = clipGradients([a], { clipValue: 2, clipNorm: 1, globalClipNorm: 0.5 });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([a, ...out]);
  });
});

describe('createOptimizer', () => {
  it('uses Keras default learning rates', () => {
    for (const type of Object.keys(DEFAULT_LEARNING_RATES) as Array<keyof typeof DEFAULT_LEARNING_RATES>) {
      const opt = createOptimizer({ type } as never);
      expect((opt as unknown as { learningRate: number }).learningRate).toBe(DEFAULT_LEARNING_RATES[type]);
      opt.dispose();
    }
    expect(DEFAULT_LEARNING_RATES.sgd).toBe(0.01);
  });

  it('disposing frees every tensor, momentum included (tfjs leaks its lr scalar)', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    for (const spec of [
      { type: 'sgd', momentum: 0.9 },
      { type: 'adam' },
      { type: 'rmsprop', momentum: 0.5, centered: true },
      { type: 'adadelta' },
      { type: 'adagrad' },
      { type: 'adamax' },
    ]) {
      const opt = createOptimizer({ ...spec, clipNorm: 1, schedule: { type: 'piecewise_constant', boundaries: [0], values: [0.1, 0.01] } } as never);
      opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      opt.dispose();
    }
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sgd with momentum is a MomentumOptimizer with nesterov', () => {
    const opt = createOptimizer({ type: 'sgd', momentum: 0.9, nesterov: true });
    expect(opt.getClassName()).toBe('Momentum');
    expect(opt.getConfig()).toMatchObject({ momentum: 0.9, useNesterov: true });
    opt.dispose();
  });

  it('clips inside the update: sgd lr 1 with clipNorm 1 moves w by the clipped gradient', () => {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const opt = createOptimizer({ type: 'sgd', learningRate: 1, clipNorm: 1 });
    // d/dw of (3 w0 + 4 w1) is [3, 4]; clipped to [0.6, 0.8]
    opt.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([3, 4]))) as tf.Scalar);
    const [a, b] = Array.from(w.dataSync());
    expect(a).toBeCloseTo(-0.6, 5);
    expect(b).toBeCloseTo(-0.8, 5);
    opt.dispose();
    w.dispose();
  });

  it('applies an exponential schedule step by step', () => {
    const w = tf.variable(tf.scalar(0));
    const opt = createOptimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'exponential_decay', decaySteps: 1, decayRate: 0.5 } });
    const lrs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = w.dataSync()[0];
      opt.minimize(() => tf.mul(w, 1) as tf.Scalar); // gradient 1: the step equals the lr
      lrs.push(before - w.dataSync()[0]);
    }
    expect(lrs.map((v) => Number(v.toFixed(5)))).toEqual([1, 0.5, 0.25]);
    opt.dispose();
    w.dispose();
  });
});

describe('learningRateAt', () => {
  it('exponential_decay, smooth and staircase', () => {
    const s = { type: 'exponential_decay' as const, decaySteps: 10, decayRate: 0.5 };
    expect(learningRateAt(s, 0.1, 0)).toBeCloseTo(0.1);
    expect(learningRateAt(s, 0.1, 5)).toBeCloseTo(0.1 * Math.SQRT1_2);
    expect(learningRateAt({ ...s, staircase: true }, 0.1, 15)).toBeCloseTo(0.05);
    expect(learningRateAt({ ...s, staircase: true }, 0.1, 20)).toBeCloseTo(0.025);
  });

  it('piecewise_constant: boundary steps keep the earlier value (Keras)', () => {
    const s = { type: 'piecewise_constant' as const, boundaries: [10, 20], values: [1, 0.5, 0.1] };
    expect([0, 10, 11, 20, 21, 1000].map((step) => learningRateAt(s, 99, step))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });
});

describe('update rules tfjs gets wrong, as Keras computes them', () => {
  const step = (spec: Parameters<typeof createOptimizer>[0], gradient: number[]) => {
    const w = tf.variable(tf.tensor1d(gradient.map(() => 1)));
    const optimizer = createOptimizer(spec);
    const g = tf.tensor1d(gradient);
    optimizer.applyGradients({ [w.name]: g });
    const out = Array.from(w.dataSync());
    optimizer.dispose();
    tf.dispose([w, g]);
    return out;
  };

  it('centered rmsprop divides by sqrt(ms - mg² + epsilon) and stays finite for a zero gradient', () => {
    // ms = 0.1·4 = 0.4, mg = 0.1·2 = 0.2, step = 0.1·2 / sqrt(0.4 - 0.04) = 1/3 (tfjs: NaN for the 0)
    const [a, b] = step({ type: 'rmsprop', learningRate: 0.1, centered: true }, [2, 0]);
    expect(a).toBeCloseTo(1 - 1 / 3, 5);
    expect(b).toBe(1);
  });

  it('adadelta scales its first step by the accumulated gradient including this one', () => {
    // acc = 0.05·4 = 0.2, step = sqrt(1e-7) / sqrt(0.2 + 1e-7) · 2 ≈ 1.414e-3 (tfjs: a full step of 2)
    const [a] = step({ type: 'adadelta', learningRate: 1 }, [2]);
    expect(a).toBeCloseTo(1 - (Math.sqrt(1e-7) / Math.sqrt(0.2 + 1e-7)) * 2, 6);
  });
});
