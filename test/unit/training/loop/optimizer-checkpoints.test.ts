import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyDataset, tinySpec } from '../../../support/tiny-job.js';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint } from '../../../../src/training/loop/checkpoint.js';
import { createOptimizer } from '../../../../src/training/model/optimizers.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import type { OptimizerSpec } from '../../../../src/schemas/job-spec.js';
import type { EpochMetrics } from '../../../../src/core/run-types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every optimizer the spec offers, with options that give it state worth checkpointing. */
const OPTIMIZERS: OptimizerSpec[] = [
  { type: 'sgd', learningRate: 0.01 },
  { type: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: true },
  { type: 'adam', learningRate: 0.01 },
  { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, centered: true },
  { type: 'adagrad', learningRate: 0.01 },
  { type: 'adamax', learningRate: 0.01 },
  { type: 'adadelta', learningRate: 1 },
];

const label = (o: OptimizerSpec) => `${o.type}${'momentum' in o && o.momentum ? ' with momentum' : ''}`;

describe.each(OPTIMIZERS.map((o) => [label(o), o] as const))('a checkpoint of %s', (_, optimizerSpec) => {
  it('restored into a fresh optimizer takes exactly the step the uninterrupted one takes', async () => {
    const before = tf.memory().numTensors;
    const make = () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones' }), tf.layers.dense({ units: 1, kernelInitializer: 'ones' })],
      });
      const optimizer = createOptimizer(optimizerSpec);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      return { model, optimizer };
    };
    const x = tf.tensor2d([
      [0.1, 0.2],
      [0.3, -0.4],
      [-0.5, 0.6],
      [0.7, 0.8],
    ]);
    const y = tf.tensor2d([[1], [0], [1], [0]]);
    const a = make();
    await a.model.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    const checkpoint = await captureCheckpoint(a.model, a.optimizer, { epoch: 3, phase: 'train', phaseStart: 0 });
    const atCheckpoint = a.model.getWeights().map((w) => w.clone());
    // The step counter and one slot per weight (or none, for plain SGD) travel in the checkpoint.
    expect(checkpoint.optimizer.specs.length).toBeGreaterThanOrEqual(1);

    const b = make();
    await restoreCheckpoint(b.model, b.optimizer, checkpoint);
    expect(b.optimizer.iterations).toBe(6);
    await a.model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
    await b.model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
    a.model.weights.forEach((w, i) => {
      const expected = Array.from(w.read().dataSync());
      const got = Array.from(b.model.weights[i].read().dataSync());
      expected.forEach((v, j) => expect(got[j]).toBeCloseTo(v, 5));
    });
    // A fresh optimizer from the same weights steps differently: the restored state mattered.
    if (checkpoint.optimizer.specs.length > 1) {
      const c = make();
      c.model.setWeights(atCheckpoint);
      await c.model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
      const gap = Math.max(
        ...c.model.weights.flatMap((w, i) => Array.from(w.read().dataSync()).map((v, j) => Math.abs(v - a.model.weights[i].read().dataSync()[j]))),
      );
      expect(gap).toBeGreaterThan(1e-5);
      c.optimizer.dispose();
      c.model.dispose();
    }
    tf.dispose(atCheckpoint);
    for (const o of [a, b]) {
      o.model.dispose();
      o.optimizer.dispose();
    }
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a job checkpoints every epoch and a resumed job finishes the rest', async () => {
    const spec = tinySpec({
      compile: { optimizer: optimizerSpec, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 3, batchSize: 16, seed: 1 },
    });
    const checkpoints: Checkpoint[] = [];
    const full = await runTrainingJob({
      spec,
      data: { train: tinyDataset(48) },
      hooks: { onEpoch: () => {}, onCheckpoint: async (capture) => void checkpoints.push(await capture()) },
    });
    expect(full.status).toBe('succeeded');
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const rows: EpochMetrics[] = [];
    const resumed = await runTrainingJob({ spec, data: { train: tinyDataset(48) }, resume: checkpoints[0], hooks: { onEpoch: (r) => void rows.push(r) } });
    expect(resumed.status).toBe('succeeded');
    expect(rows.map((r) => r.epoch)).toEqual([2, 3]);
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
  });
});
