import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInitializer, type InitializerSpec } from '../../../../src/training/model/initializers.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const FAN_IN = 400;
const FAN_OUT = 300;
const FAN_AVG = (FAN_IN + FAN_OUT) / 2;

function sample(spec: InitializerSpec, seed = 1, shape = [FAN_IN, FAN_OUT]): { mean: number; variance: number; max: number; values: Float32Array } {
  return tf.tidy(() => {
    const w = makeInitializer(spec, seed).apply(shape) as tf.Tensor;
    const { mean, variance } = tf.moments(w);
    return { mean: mean.dataSync()[0], variance: variance.dataSync()[0], max: tf.max(tf.abs(w)).dataSync()[0], values: w.dataSync() as Float32Array };
  });
}

describe('makeInitializer', () => {
  const cases: Array<[InitializerSpec, number]> = [
    ['he_normal', 2 / FAN_IN],
    ['heNormal', 2 / FAN_IN],
    ['he_uniform', 2 / FAN_IN],
    ['glorot_uniform', 1 / FAN_AVG],
    ['glorot_normal', 1 / FAN_AVG],
    ['lecun_normal', 1 / FAN_IN],
    ['leCunNormal', 1 / FAN_IN],
    ['lecun_uniform', 1 / FAN_IN],
    [{ type: 'VarianceScaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' }, 2 / FAN_AVG],
    [{ type: 'VarianceScaling', scale: 3, mode: 'fan_out', distribution: 'normal' }, 3 / FAN_OUT],
    [{ type: 'VarianceScaling' }, 1 / FAN_IN],
    ['random_normal', 0.05 ** 2],
    ['random_uniform', 0.1 ** 2 / 12],
    // Keras's TruncatedNormal(stddev=0.05) is not corrected: variance 0.7737 * 0.05².
    ['truncated_normal', 0.05 ** 2 * 0.87962566103423978 ** 2],
  ];
  it.each(cases)('%j has the Keras variance', (spec, expected) => {
    const { mean, variance } = sample(spec);
    expect(Math.abs(mean)).toBeLessThan(Math.sqrt(expected) * 0.02);
    expect(variance / expected).toBeGreaterThan(0.97);
    expect(variance / expected).toBeLessThan(1.03);
  });

  it('draws *_normal from a normal truncated at two (corrected) standard deviations', () => {
    const stddev = Math.sqrt(2 / FAN_IN) / 0.87962566103423978;
    const { max } = sample('he_normal');
    expect(max).toBeLessThanOrEqual(2 * stddev + 1e-6);
    expect(max).toBeGreaterThan(1.9 * stddev);
  });

  it('is reproducible with a seed and differs across seeds', () => {
    const a = sample('glorot_uniform', 42, [20, 10]).values;
    const b = sample('glorot_uniform', 42, [20, 10]).values;
    const c = sample('glorot_uniform', 43, [20, 10]).values;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('builds zeros, ones, identity and an orthogonal matrix', () => {
    expect(sample('zeros', 1, [3, 2]).values.every((v) => v === 0)).toBe(true);
    expect(sample('ones', 1, [3, 2]).values.every((v) => v === 1)).toBe(true);
    expect(Array.from(sample('identity', 1, [2, 2]).values)).toEqual([1, 0, 0, 1]);
    const product = tf.tidy(() => {
      const w = makeInitializer('orthogonal', 3).apply([30, 20]) as tf.Tensor2D;
      return tf.matMul(w, w, true, false).arraySync() as number[][];
    });
    product.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 4)));
  });
});

describe('initializer classes with arguments', () => {
  it.each<[InitializerSpec, number, number]>([
    [{ type: 'RandomNormal', mean: 1, stddev: 0.5 }, 1, 0.25],
    [{ type: 'RandomUniform', minval: 2, maxval: 4 }, 3, 4 / 12],
    // Keras's TruncatedNormal redraws beyond 2 stddev: variance 0.7737 * stddev².
    [{ type: 'TruncatedNormal', mean: -1, stddev: 2 }, -1, 4 * 0.87962566103423978 ** 2],
  ])('%j draws with the given mean and spread', (spec, mean, variance) => {
    const s = sample(spec);
    expect(s.mean).toBeCloseTo(mean, 1);
    expect(s.variance / variance).toBeGreaterThan(0.97);
    expect(s.variance / variance).toBeLessThan(1.03);
  });

  it('Constant sets every weight to its value', () => {
    expect(new Set(sample({ type: 'Constant', value: 0.25 }, 1, [3, 4]).values)).toEqual(new Set([0.25]));
  });

  it('Orthogonal(gain) gives W·Wᵀ = gain²·I', () => {
    const product = tf.tidy(() => {
      const w = makeInitializer({ type: 'Orthogonal', gain: 3 }, 1).apply([5, 5]) as tf.Tensor2D;
      return Array.from(tf.matMul(w, w, false, true).dataSync());
    });
    product.forEach((v, i) => expect(v).toBeCloseTo(i % 6 === 0 ? 9 : 0, 4));
  });

  it('Identity(gain) is gain times the identity', () => {
    const values = Array.from(sample({ type: 'Identity', gain: 2 }, 1, [3, 3]).values);
    expect(values).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
  });

  it('an object seed wins over the job seed, and the job seed is used otherwise', () => {
    const a = sample({ type: 'RandomNormal', seed: 5 }, 1, [4, 4]).values;
    const b = sample({ type: 'RandomNormal', seed: 5 }, 2, [4, 4]).values;
    const c = sample({ type: 'RandomNormal' }, 1, [4, 4]).values;
    const d = sample({ type: 'RandomNormal' }, 2, [4, 4]).values;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(c)).not.toEqual(Array.from(d));
  });
});
