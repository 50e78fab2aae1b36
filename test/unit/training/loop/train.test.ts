import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EarlyStopping, throttle, toEpochMetrics } from '../../../../src/training/loop/callbacks.js';
import { mulberry32, randomPermutation as permutation } from '../../../../src/core/random.js';
import { evaluateModel, trainPhase, TrainingDivergedError } from '../../../../src/training/loop/train.js';
import type { EpochMetrics } from '../../../../src/core/run-types.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** 64 samples, 4 features; class = whether the first feature is positive. */
function data(n = 64, scale = 1) {
  const rnd = mulberry32(3);
  const xs = Array.from({ length: n }, () => Array.from({ length: 4 }, () => (rnd() * 2 - 1) * scale));
  const x = tf.tensor2d(xs);
  const y = tf.tensor2d(xs.map((r) => [r[0] > 0 ? 1 : 0]));
  return { x, y };
}

function model(lr = 0.1, seed = 1) {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.sgd(lr), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('trainPhase', () => {
  it('reports one row per epoch, numbered on from the offset, with Keras metric names', async () => {
    const { x, y } = data();
    const m = model();
    const rows: EpochMetrics[] = [];
    const ends: number[] = [];
    let progress = 0;
    const result = await trainPhase({
      model: m,
      x,
      y,
      validation: { x, y },
      epochs: 2,
      batchSize: 16,
      shuffle: true,
      seed: 5,
      phase: 'fine_tune',
      epochOffset: 3,
      hooks: { onEpoch: (r) => void rows.push(r), onEpochEnd: (e) => void ends.push(e), onProgress: () => void progress++ },
    });
    expect(result).toEqual({ stopped: 'completed', epochsRun: 2 });
    expect(rows.map((r) => [r.epoch, r.phase])).toEqual([
      [4, 'fine_tune'],
      [5, 'fine_tune'],
    ]);
    expect(ends).toEqual([4, 5]);
    for (const r of rows) {
      expect(r.loss).toBeGreaterThan(0);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.val_loss).toBeGreaterThan(0);
      expect(r.val_accuracy).toBeGreaterThanOrEqual(0);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
    // Throttled: 8 batches in well under 250 ms give a single report.
    expect(progress).toBeGreaterThanOrEqual(1);
    expect(progress).toBeLessThan(8);
    m.dispose();
    tf.dispose([x, y]);
  });

  it('cancels within the batch where shouldStop turns true', async () => {
    const { x, y } = data();
    const m = model();
    let calls = 0;
    const rows: EpochMetrics[] = [];
    const result = await trainPhase({
      model: m,
      x,
      y,
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      phase: 'train',
      epochOffset: 0,
      // Call 1 is before the epoch, calls 2.. after batches 1..; true after batch 2.
      hooks: { onEpoch: (r) => void rows.push(r), shouldStop: () => ++calls >= 3 },
    });
    expect(result).toEqual({ stopped: 'cancelled', epochsRun: 0 });
    expect(calls).toBe(3); // no batch ran after the stop
    expect(rows).toEqual([]);
    m.dispose();
    tf.dispose([x, y]);
  });

  it('throws TrainingDivergedError naming the epoch and batch when the loss becomes NaN', async () => {
    // A linear regression with a huge learning rate: the weights overshoot to Infinity, then NaN.
    const { x, y } = data(64, 1e3);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] });
    m.compile({ optimizer: tf.train.sgd(1e6), loss: 'meanSquaredError' });
    let batchesAfter = 0;
    const err = await trainPhase({
      model: m,
      x,
      y,
      epochs: 2,
      batchSize: 8,
      shuffle: false,
      phase: 'train',
      epochOffset: 0,
      hooks: { onEpoch: () => {}, shouldStop: () => (batchesAfter++, false) },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const d = err as TrainingDivergedError;
    expect(d.epoch).toBe(1);
    expect(d.message).toContain(`epoch 1, batch ${d.batch}`);
    expect(d.message).toMatch(/clipNorm|clipValue/);
    expect(d.message).toMatch(/learning rate/);
    // Stopped in that batch: shouldStop ran only for the earlier batches (+1 before the epoch).
    expect(batchesAfter).toBe(d.batch);
    m.dispose();
    tf.dispose([x, y]);
  });

  it('same seed, same training; and no tensors left behind', async () => {
    const { x, y } = data();
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const m = model(0.1, 9);
      const n0 = tf.memory().numTensors;
      await trainPhase({
        model: m,
        x,
        y,
        epochs: 2,
        batchSize: 8,
        shuffle: true,
        seed: 42,
        phase: 'train',
        epochOffset: 0,
        hooks: { onEpoch: (r) => void losses.push(r.loss) },
      });
      // sgd keeps one scalar (its -lr); everything else made during training is gone.
      expect(tf.memory().numTensors).toBeLessThanOrEqual(n0 + 1);
      m.optimizer.dispose();
      m.dispose();
    }
    expect(losses.slice(0, 2)).toEqual(losses.slice(2));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('evaluateModel returns loss and accuracy (null without the metric)', async () => {
    const { x, y } = data();
    const m = model();
    const r = await evaluateModel(m, x, y);
    expect(r.loss).toBeGreaterThan(0);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    expect((await evaluateModel(m, x, y)).accuracy).toBeNull();
    m.dispose();
    tf.dispose([x, y]);
  });
});

describe('callbacks', () => {
  it('maps tfjs metric names to Keras history keys', () => {
    expect(toEpochMetrics({ loss: 1, acc: 0.5, val_loss: 2, val_acc: 0.25 }, 3, 'train', 12.4)).toEqual({
      epoch: 3,
      phase: 'train',
      loss: 1,
      accuracy: 0.5,
      val_loss: 2,
      val_accuracy: 0.25,
      durationMs: 12,
    });
    expect(toEpochMetrics({ loss: 1, sparseCategoricalAccuracy: 0.7 }, 1, 'train', 0)).toMatchObject({ accuracy: 0.7, val_loss: null, val_accuracy: null });
  });

  it('throttle lets one call through per interval', () => {
    let t = 0;
    const due = throttle(250, () => t);
    const passed = [0, 100, 249, 250, 400, 501].map((now) => ((t = now), due()));
    expect(passed).toEqual([true, false, false, true, false, true]);
  });

  it('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    const es = new EarlyStopping(m, { monitor: 'val_loss', patience: 1, minDelta: 0.01, restoreBestWeights: true });
    const row = (val_loss: number): EpochMetrics => ({ epoch: 0, phase: 'train', loss: 0, accuracy: null, val_loss, val_accuracy: null, durationMs: 0 });
    const setAll = (v: number) => m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, v)));
    const stops = [1, 0.5, 0.495].map((v, i) => {
      setAll(i + 1);
      return es.update(row(v));
    });
    // 0.495 is not better than 0.5 by more than minDelta; patience 1 stops there.
    expect(stops).toEqual([false, false, true]);
    expect(Array.from(m.getWeights()[0].dataSync())).toEqual([2]);
    es.dispose();
    m.dispose();
  });
});

describe('permutation', () => {
  it('is a seeded permutation', () => {
    const a = permutation(10, mulberry32(1));
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(permutation(10, mulberry32(1))).toEqual(a);
    expect(permutation(10, mulberry32(2))).not.toEqual(a);
  });
});

describe('trainPhase when shouldStop throws (time limit, hand-back)', () => {
  it('stops within the batch, rethrows after fit, and leaks no tensor', async () => {
    const { x, y } = data();
    const m = model();
    await trainPhase({ model: m, x, y, epochs: 1, batchSize: 16, shuffle: true, seed: 1, phase: 'train', epochOffset: 0, hooks: { onEpoch: () => {} } });
    const before = tf.memory().numTensors;
    let calls = 0;
    const boom = new Error('handed back');
    const run = trainPhase({
      model: m,
      x,
      y,
      epochs: 3,
      batchSize: 16,
      shuffle: true,
      seed: 1,
      phase: 'train',
      epochOffset: 0,
      hooks: {
        onEpoch: () => {},
        shouldStop: () => {
          calls += 1;
          if (calls === 3) throw boom;
          return false;
        },
      },
    });
    await expect(run).rejects.toBe(boom);
    // Called once before the epoch, then after batches 1 and 2: the third call threw.
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    tf.dispose([x, y]);
  });
});
