import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/data/types.js';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import type { EpochDiagnostics, EpochMetrics } from '../../../../src/core/run-types.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import type { Checkpoint } from '../../../../src/training/loop/checkpoint.js';
import { predictRows } from '../../../../src/training/loop/predict.js';
import { deserializeModel } from '../../../../src/training/model/artifact.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** 8x8 grey images stored as [8, 8] (as MNIST is): class 1 has a bright vertical bar, class 0 a horizontal one. */
function bars(n: number): Dataset {
  const features = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const at = ((i * 5) % 6) + 1;
    for (let k = 0; k < 8; k++) features[i * 64 + (labels[i] ? k * 8 + at : at * 8 + k)] = 1;
  }
  return { features, labels, featureShape: [8, 8], samples: n, classes: 2 };
}

const cnn = (over: Partial<JobSpec> = {}): JobSpec => ({
  dataset: { id: 'd' },
  model: {
    layers: [
      { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], padding: 'same' },
      { type: 'BatchNormalization' },
      { type: 'SpatialDropout2D', rate: 0.1, seed: 3 },
      { type: 'MaxPooling2D' },
      { type: 'SeparableConv2D', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'GlobalAveragePooling2D' },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.03 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 3, batchSize: 16, seed: 1 },
  diagnostics: { probeSize: 16 },
  ...over,
});

describe('a small CNN job', () => {
  it('trains on [8, 8] images read as [8, 8, 1], with per-filter diagnostics, and predicts [h, w, c] inputs', async () => {
    const before = tf.memory().numTensors;
    const diagnostics: EpochDiagnostics[] = [];
    const result = await runTrainingJob({
      spec: cnn(),
      data: { train: bars(64), evaluate: bars(16) },
      hooks: { onEpoch: () => {}, onDiagnostics: (d) => void diagnostics.push(d) },
    });
    expect(result.status).toBe('succeeded');
    expect(result.evaluation!.accuracy).toBeGreaterThan(0.6);
    expect(result.summary.totalParams).toBe(4 * 9 + 4 + 4 * 4 + (9 * 4 + 4 * 4 + 4) + (4 * 2 + 2));
    // Conv2D, BatchNormalization, SeparableConv2D, Dense: each with finite gradient norms, and a dead
    // fraction that is a share of the 4 filters.
    const last = diagnostics[diagnostics.length - 1];
    expect(last.layers.map((l) => l.name)).toEqual(['conv2d', 'batch_normalization', 'separable_conv2d', 'dense']);
    for (const layer of last.layers) {
      expect(Number.isFinite(layer.gradNorm)).toBe(true);
      expect((layer.deadFraction * 4) % 1).toBeCloseTo(0, 6);
    }

    const { model, preprocessing } = await deserializeModel(result.artifact);
    expect(preprocessing?.featureShape).toEqual([8, 8, 1]);
    const image = (vertical: boolean) => Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => [(vertical ? c : r) === 3 ? 1 : 0]));
    const outputs = predictRows(model, [image(true), image(false)], preprocessing);
    expect(outputs.map((o) => o.length)).toEqual([2, 2]);
    expect(outputs[0][1]).toBeGreaterThan(outputs[1][1]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains dilated Conv2D and SeparableConv2D layers (tfjs alone has no gradient for them): the loss falls', async () => {
    const rows: EpochMetrics[] = [];
    const diagnostics: EpochDiagnostics[] = [];
    const layers = [
      { type: 'Conv2D', filters: 4, kernelSize: 3, dilationRate: 2, activation: 'relu', inputShape: [8, 8, 1], padding: 'same' },
      { type: 'SeparableConv2D', filters: 4, kernelSize: 2, dilationRate: [2, 3], activation: 'relu' },
      { type: 'GlobalAveragePooling2D' },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ];
    const result = await runTrainingJob({
      spec: cnn({ model: { layers } as JobSpec['model'] }),
      data: { train: bars(32) },
      hooks: { onEpoch: (r) => void rows.push(r), onDiagnostics: (d) => void diagnostics.push(d) },
    });
    expect(result.status).toBe('succeeded');
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(rows[2].loss).toBeLessThan(rows[0].loss);
    // The diagnostics' own gradients reach the dilated kernels too.
    expect(diagnostics[diagnostics.length - 1].layers.map((l) => Number.isFinite(l.gradNorm) && l.gradNorm > 0)).toEqual([true, true, true]);
  });

  it('resumes from a checkpoint and trains only the epochs after it', async () => {
    const checkpoints: Checkpoint[] = [];
    const spec = cnn({ diagnostics: { enabled: false } });
    await runTrainingJob({
      spec,
      data: { train: bars(32) },
      hooks: { onEpoch: () => {}, onCheckpoint: async (capture) => void checkpoints.push(await capture()) },
    });
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const rows: EpochMetrics[] = [];
    const resumed = await runTrainingJob({ spec, data: { train: bars(32) }, resume: checkpoints[0], hooks: { onEpoch: (r) => void rows.push(r) } });
    expect(resumed.status).toBe('succeeded');
    expect(rows.map((r) => r.epoch)).toEqual([2, 3]);
  });
});
