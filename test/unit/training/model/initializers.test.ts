import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInitializer, type InitializerSpec } from '../../../../src/training/initializers.js';
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
