import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyDataset, tinySpec } from '../../../support/tiny-job.js';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint } from '../../../../src/training/loop/checkpoint.js';
import { createOptimizer } from '../../../../src/training/model/optimizers.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import type { EpochMetrics } from '../../../../src/core/run-types.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('checkpoints', () => {
  it('restore puts back every weight (BN moving statistics included) and the optimizer state', async () => {
    const make = () => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] }), tf.layers.batchNormalization(), tf.layers.dense({ units: 1 })] });
      const optimizer = createOptimizer({ type: 'adam', learningRate: 0.1 });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      return { model, optimizer };
    };
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const y = tf.tensor2d([[1], [0], [1], [0]]);
    const a = make();
    await a.model.fit(x, y, { epochs: 3, verbose: 0 });
    const checkpoint = await captureCheckpoint(a.model, a.optimizer, { epoch: 3, phase: 'train', phaseStart: 0 });

    const b = make();
    await b.model.fit(x, y, { epochs: 1, verbose: 0 }); // creates b's optimizer slots, then overwritten
    await restoreCheckpoint(b.model, b.optimizer, checkpoint);
    a.model.weights.forEach((w, i) => expect(Array.from(b.model.weights[i].read().dataSync())).toEqual(Array.from(w.read().dataSync())));
    // Same state, same next step.
    await a.model.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
    await b.model.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
    a.model.weights.forEach((w, i) => Array.from(w.read().dataSync()).forEach((v, j) => expect(b.model.weights[i].read().dataSync()[j]).toBeCloseTo(v, 5)));
    tf.dispose([x, y]);
    a.model.dispose();
    b.model.dispose();
    a.optimizer.dispose();
    b.optimizer.dispose();
  });

  it('a resumed run trains only the epochs after its checkpoint, across both phases', async () => {
    const before = tf.memory().numTensors;
    const checkpoints: Checkpoint[] = [];
    const base = await runTrainingJob({
      spec: tinySpec({ fit: { epochs: 2, batchSize: 16, seed: 1 } }),
      data: { train: tinyDataset(64) },
      hooks: { onEpoch: () => {} },
    });
    const twoPhase = tinySpec({
      base: { modelId: 'b', dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] },
      fit: { epochs: 2, batchSize: 16, seed: 1 },
      fineTune: { epochs: 2, optimizer: { type: 'adam', learningRate: 0.001 } },
    });
    const full: EpochMetrics[] = [];
    await runTrainingJob({
      spec: twoPhase,
      data: { train: tinyDataset(64) },
      base: base.artifact,
      hooks: { onEpoch: (r) => void full.push(r), onCheckpoint: async (capture) => void checkpoints.push(await capture()) },
    });
    expect(full.map((r) => `${r.epoch}:${r.phase}`)).toEqual(['1:train', '2:train', '3:fine_tune', '4:fine_tune']);
    expect(checkpoints.map((c) => `${c.epoch}:${c.phase}:${c.phaseStart}`)).toEqual(['1:train:0', '2:train:0', '3:fine_tune:2', '4:fine_tune:2']);

    for (const [from, expected] of [
      [0, ['2:train', '3:fine_tune', '4:fine_tune']],
      [2, ['4:fine_tune']],
    ] as const) {
      const rows: EpochMetrics[] = [];
      const resumed = await runTrainingJob({
        spec: twoPhase,
        data: { train: tinyDataset(64) },
        base: base.artifact,
        resume: checkpoints[from],
        hooks: { onEpoch: (r) => void rows.push(r) },
      });
      expect(resumed.status).toBe('succeeded');
      expect(rows.map((r) => `${r.epoch}:${r.phase}`)).toEqual(expected);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a learning-rate schedule across a checkpoint', () => {
  it('continues from the restored step count instead of starting over', async () => {
    const spec = { type: 'sgd', learningRate: 0.1, schedule: { type: 'exponential_decay', decaySteps: 1, decayRate: 0.5 } } as const;
    const make = () => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
      const optimizer = createOptimizer(spec);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      return { model, optimizer };
    };
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.tensor2d([[1], [0]]);
    const a = make();
    await a.model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 }); // 3 steps
    const checkpoint = await captureCheckpoint(a.model, a.optimizer, { epoch: 3, phase: 'train', phaseStart: 0 });
    const b = make();
    await restoreCheckpoint(b.model, b.optimizer, checkpoint);
    expect(b.optimizer.iterations).toBe(3);
    await b.model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 }); // step 3 runs at 0.1 * 0.5^3
    expect((b.optimizer as unknown as { learningRate: number }).learningRate).toBeCloseTo(0.1 * 0.5 ** 3, 8);
    for (const o of [a, b]) {
      o.model.dispose();
      o.optimizer.dispose();
    }
    tf.dispose([x, y]);
  });
});
