import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBackend, initBackend } from '../../../../src/training/backend/backend.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { readLog, tfjsLoss, tfjsMetrics } from '../../../../src/training/model/losses.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('auto falls back past the missing native packages; tensorflow fails loudly', async () => {
    const name = await initBackend('auto');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(name);
    expect(tf.getBackend()).toBe(name);
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node/);
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await describeBackend()).toBe('cpu');
  });

  it('trains a small Dense model a step on wasm', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    expect(await describeBackend()).toMatch(/^wasm/);
    const model = buildModel(
      [
        { type: 'Dense', units: 4, activation: 'relu' },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
      { inputShape: [3], seed: 1 },
    );
    model.compile({ optimizer: 'sgd', loss: tfjsLoss('sparse_categorical_crossentropy') });
    const x = tf.tensor2d([
      [1, 2, 3],
      [3, 2, 1],
    ]);
    const y = tf.tensor1d([0, 1]);
    const h = await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
    await tf.setBackend('cpu');
  });
});

describe('losses and metrics', () => {
  it('maps Keras names to tfjs', () => {
    expect(tfjsLoss('mse')).toBe('meanSquaredError');
    expect(tfjsLoss('mean_absolute_error')).toBe('meanAbsoluteError');
    expect(tfjsLoss('binary_crossentropy')).toBe('binaryCrossentropy');
  });

  it.each([[[4]], [[4, 1]]])('accuracy is correct for sparse integer labels of shape %j', async (shape) => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax', kernelInitializer: 'identity', useBias: false })],
    });
    model.compile({ optimizer: tf.train.sgd(0), loss: tfjsLoss('sparse_categorical_crossentropy'), metrics: tfjsMetrics(['accuracy']) });
    // argmax of each row is its index on the diagonal: predictions 0, 1, 2, 0.
    const x = tf.tensor2d([
      [5, 0, 0],
      [0, 5, 0],
      [0, 0, 5],
      [5, 0, 0],
    ]);
    const y = tf.tensor([0, 1, 0, 2], shape);
    const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const logs = Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, v[0] as number]));
    expect(readLog(logs, 'accuracy')).toBeCloseTo(0.5, 6);
    tf.dispose([x, y]);
    model.dispose();
  });
});
