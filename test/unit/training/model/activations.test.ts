import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../../../src/schemas/job-spec.js';
import { toTfjsActivation } from '../../../../src/training/model/activations.js';
import { serializeModel, deserializeModel } from '../../../../src/training/model/artifact.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** Runs a 1-unit identity Dense layer with the given activation on xs. */
function activate(name: (typeof ACTIVATIONS)[number], xs: number[]): number[] {
  return tf.tidy(() => {
    const layer = tf.layers.activation({ activation: toTfjsActivation(name) });
    return Array.from((layer.apply(tf.tensor2d(xs, [xs.length, 1])) as tf.Tensor).dataSync());
  });
}

describe('toTfjsActivation', () => {
  it.each(ACTIVATIONS.map((a) => [a]))('%s is accepted by tfjs layers', (name) => {
    const out = activate(name, [-1, 0.5]);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('computes the Keras functions', () => {
    const x = [-2, -0.5, 1.5];
    expect(activate('leaky_relu', x)).toEqual([-0.4, -0.1, 1.5].map((v) => Math.fround(v)));
    expect(activate('relu6', [-1, 3, 9])).toEqual([0, 3, 6]);
    expect(activate('hard_sigmoid', [-3, 0, 1])).toEqual([0, 0.5, 0.7].map((v) => Math.fround(v)));
    const gelu = activate('gelu', [1])[0];
    expect(gelu).toBeCloseTo(0.8413447, 5); // exact (erf) GELU, Keras's default
    expect(activate('swish', [1])[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
    expect(activate('mish', [1])[0]).toBeCloseTo(Math.tanh(Math.log1p(Math.E)), 5);
    expect(activate('selu', [-1])[0]).toBeCloseTo(1.0507009873554805 * 1.6732632423543772 * (Math.exp(-1) - 1), 5);
  });

  it('a Dense leaky_relu model saves as Keras leaky_relu and loads again', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [2], activation: toTfjsActivation('leaky_relu'), kernelInitializer: 'ones' })],
    });
    const artifact = await serializeModel(model);
    expect(JSON.stringify(artifact.modelJson)).toContain('"activation":"leaky_relu"');
    const { model: loaded } = await deserializeModel(artifact);
    const out = tf.tidy(() => Array.from((loaded.predict(tf.tensor2d([[-1, -1]])) as tf.Tensor).dataSync()));
    expect(out[0]).toBeCloseTo(-0.4, 6);
    model.dispose();
    loaded.dispose();
  });
});
