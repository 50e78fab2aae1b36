import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../../src/core/errors.js';
import { packRows } from '../../../../src/training/loop/packed-rows.js';
import { predictPacked } from '../../../../src/training/loop/predict.js';
import { predictMcDropout } from '../../../../src/training/loop/predict-mc-dropout.js';
import { BatchNormalization } from '../../../../src/training/model/layers/batch-normalization.js';
import { AlphaDropout, Dropout } from '../../../../src/training/model/layers/seeded-dropout.js';
import { SpatialDropout2D } from '../../../../src/training/model/layers/spatial-dropout-2d.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const models: tf.LayersModel[] = [];
afterAll(() => models.forEach((m) => m.dispose()));

/** Dense(8, relu) [-> BatchNormalization] [-> the dropout layer] -> Dense(3), fixed weights. */
function denseModel(dropout: tf.layers.Layer | null, { batchNorm = false } = {}): tf.LayersModel {
  const layers: tf.layers.Layer[] = [
    tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  ];
  if (batchNorm) layers.push(new BatchNormalization({}));
  if (dropout) layers.push(dropout);
  layers.push(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  const model = tf.sequential({ layers });
  models.push(model);
  return model;
}

const inputs = () => packRows(Array.from({ length: 5 }, (_, r) => [0, 1, 2, 3].map((c) => Math.sin(r * 1.3 + c))));

function thrown(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('predictMcDropout', () => {
  it('averages 50 passes with rate-0.5 dropout: a mean unlike the deterministic prediction, a positive std, the model left deterministic', () => {
    const model = denseModel(new Dropout({ rate: 0.5 }));
    const deterministic = predictPacked(model, inputs());
    const { mean, std } = predictMcDropout(model, inputs(), undefined, { samples: 50, seed: 3 });
    expect([mean.count, mean.width, std.count, std.width]).toEqual([5, 3, 5, 3]);
    const largestGap = Math.max(...mean.values.map((v, i) => Math.abs(v - deterministic.values[i])));
    expect(largestGap).toBeGreaterThan(1e-3);
    for (const s of std.values) expect(s).toBeGreaterThan(0);
    // The layers stop sampling afterwards: the cached model predicts as before.
    expect(Array.from(predictPacked(model, inputs()).values)).toEqual(Array.from(deterministic.values));
  });

  it('keeps BatchNormalization in inference: its moving statistics do not move (training-mode apply would move them)', () => {
    const model = denseModel(new Dropout({ rate: 0.5 }), { batchNorm: true });
    const bn = model.layers[1];
    const moving = () =>
      bn
        .getWeights()
        .slice(2)
        .map((w) => Array.from(w.dataSync()));
    const before = moving();
    const { std } = predictMcDropout(model, inputs(), undefined, { samples: 20, seed: 1 });
    expect(Math.max(...std.values)).toBeGreaterThan(0);
    expect(moving()).toEqual(before);
    // The test's teeth: the whole model in training mode, as `model.apply(x, { training: true })` runs it, moves them.
    tf.tidy(() => {
      model.apply(tf.ones([5, 4]), { training: true });
    });
    expect(moving()).not.toEqual(before);
  });

  it('answers the same for the same seed and differently for another', () => {
    const model = denseModel(new Dropout({ rate: 0.5 }));
    const run = (seed: number) => predictMcDropout(model, inputs(), undefined, { samples: 10, seed });
    const [a, b, c] = [run(7), run(7), run(8)];
    expect(Array.from(b.mean.values)).toEqual(Array.from(a.mean.values));
    expect(Array.from(b.std.values)).toEqual(Array.from(a.std.values));
    expect(Array.from(c.mean.values)).not.toEqual(Array.from(a.mean.values));
  });

  it('samples AlphaDropout and SpatialDropout2D too', () => {
    const alpha = denseModel(new AlphaDropout({ rate: 0.3 }));
    expect(Math.min(...predictMcDropout(alpha, inputs(), undefined, { samples: 5, seed: 1 }).std.values)).toBeGreaterThan(0);
    const conv = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 4, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.ones() }),
        new SpatialDropout2D({ rate: 0.5 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.ones() }),
      ],
    });
    models.push(conv);
    const images = packRows([Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => [r + c + 1]))]);
    expect(Math.max(...predictMcDropout(conv, images, undefined, { samples: 10, seed: 2 }).std.values)).toBeGreaterThan(0);
  });

  it('refuses a model without a dropout layer (or with rate 0 only) with a 400 naming /mcDropout', () => {
    for (const model of [denseModel(null, { batchNorm: true }), denseModel(new Dropout({ rate: 0 }))]) {
      const err = thrown(() => predictMcDropout(model, inputs(), undefined, { samples: 5 }));
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain('the model has no dropout layer');
      expect(err.details).toMatchObject([{ path: '/mcDropout' }]);
    }
  });

  it('refuses samples x inputs beyond the rows one prediction may run, naming /mcDropout/samples', () => {
    const model = denseModel(new Dropout({ rate: 0.5 }));
    const rows = packRows(Array.from({ length: 101 }, () => [1, 2, 3, 4]));
    const err = thrown(() => predictMcDropout(model, rows, undefined, { samples: 100 }));
    expect(err.statusCode).toBe(400);
    expect(err.details).toMatchObject([{ path: '/mcDropout/samples' }]);
  });
});
