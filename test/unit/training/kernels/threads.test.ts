/**
 * The wasm backend's threaded build in Node (WASM_THREADS, src/training/backend/wasm-threads.ts): it
 * starts with the threads asked for (not capped at half the cores), its products large enough to
 * be split across threads match the cpu backend's, and a training step on it matches the cpu
 * backend's loss and weights without leaving a tensor behind. Runs in its own test process, since
 * the wasm build is chosen once per process.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend, initBackend } from '../../../../src/training/backend/backend.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { wasmThreadsCount } from '../../../../src/training/backend/wasm-threads.js';
import { expectClose } from './compare.js';

const THREADS = 2;

/** Runs `f` on the cpu backend (tfjs's reference), then returns to wasm. */
async function onCpu<T>(f: () => Promise<T> | T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await f();
  } finally {
    await tf.setBackend('wasm');
  }
}

beforeAll(async () => {
  expect(await initBackend('wasm', { wasmThreads: THREADS })).toBe('wasm');
}, 120_000);

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the threaded wasm build', () => {
  it(`runs XNNPACK on ${THREADS} threads and says so`, async () => {
    expect(await wasmThreadsCount()).toBe(THREADS);
    expect(await describeBackend()).toMatch(new RegExp(`${THREADS} threads`));
  });

  it.each([
    [256, 784, 300, false, false],
    [256, 784, 300, true, false],
    [32, 300, 784, false, true],
    [128, 100, 300, false, false],
  ])('%i x %i x %i products (transposeA %s, transposeB %s) match the cpu backend', async (m, k, n, ta, tb) => {
    const a = tf.randomUniform(ta ? [k, m] : [m, k], -1, 1, 'float32', m + k);
    const b = tf.randomUniform(tb ? [n, k] : [k, n], -1, 1, 'float32', k + n);
    const [av, bv] = [a.dataSync().slice(), b.dataSync().slice()];
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync().slice());
    expect(tf.memory().numTensors).toBe(before);
    const want = await onCpu(() => tf.tidy(() => tf.matMul(tf.tensor(av, a.shape), tf.tensor(bv, b.shape), ta, tb).dataSync().slice()));
    expectClose(got, want, 1e-5);
    tf.dispose([a, b]);
  });

  it.each(['relu', 'bn_elu'])('%s: a training step matches the cpu backend and leaks nothing', async (kind) => {
    const layers =
      kind === 'relu'
        ? [
            { type: 'Dense' as const, units: 300, activation: 'relu' as const },
            { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
          ]
        : [
            { type: 'BatchNormalization' as const },
            { type: 'Dense' as const, units: 300, useBias: false },
            { type: 'BatchNormalization' as const },
            { type: 'Activation' as const, activation: 'elu' as const },
            { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
          ];
    const xs = Array.from(tf.tidy(() => tf.randomUniform([256, 196], 0, 1, 'float32', 7).dataSync()));
    const ys = Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
    const step = async () => {
      const x = tf.tensor2d(xs, [256, 196]);
      const y = tf.tensor1d(ys);
      const model = buildModel(layers, { inputShape: [196], seed: 1 });
      const optimizer = tf.train.sgd(0.05);
      model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
      const h = await model.fit(x, y, { batchSize: 128, epochs: 2, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return { loss: h.history.loss as number[], weights };
    };
    const before = tf.memory().numTensors;
    const threaded = await step();
    expect(tf.memory().numTensors).toBe(before);
    const cpu = await onCpu(step);
    expectClose(threaded.loss, cpu.loss, 1e-4);
    threaded.weights.forEach((w, i) => expectClose(w, cpu.weights[i], 1e-4));
  });
});
