import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/data/types.js';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import { serializeModel } from '../../../../src/training/model/artifact.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import { TrainingDivergedError } from '../../../../src/training/loop/train.js';
import type { EpochDiagnostics, EpochMetrics, TrainingWarning } from '../../../../src/core/run-types.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** n samples of 6 features; the class is the sign of the first feature (shifted to mean 5 for standardization). */
function dataset(n: number, seed = 1, scale = 1): Dataset {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const features = new Float32Array(n * 6);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 6; f++) features[i * 6 + f] = (rnd() + 5) * scale;
    labels[i] = features[i * 6] > 5 * scale ? 1 : 0;
  }
  return { features, labels, featureShape: [6], samples: n, classes: 2 };
}

const baseSpec = (over: Partial<JobSpec> = {}): JobSpec => ({
  dataset: { id: 'd', standardize: true },
  validation: { split: 0.25 },
  model: {
    layers: [
      { type: 'Dense', units: 8, activation: 'relu' },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 2, batchSize: 16, seed: 3 },
  ...over,
});

describe('runTrainingJob', () => {
  it('trains, evaluates and serializes, with diagnostics each epoch and standardization saved', async () => {
    const before = tf.memory().numTensors;
    const rows: EpochMetrics[] = [];
    const diags: EpochDiagnostics[] = [];
    const result = await runTrainingJob({
      spec: baseSpec({ evaluate: { dataset: { id: 'e' } } }),
      data: { train: dataset(96), evaluate: dataset(32, 2) },
      hooks: { onEpoch: (r) => void rows.push(r), onDiagnostics: (d) => void diags.push(d) },
    });
    expect(result.status).toBe('succeeded');
    expect(result.epochsRun).toBe(2);
    expect(rows.map((r) => [r.epoch, r.phase])).toEqual([
      [1, 'train'],
      [2, 'train'],
    ]);
    expect(rows[0].val_loss).not.toBeNull();
    expect(diags.map((d) => d.epoch)).toEqual([1, 2]);
    expect(diags[0].layers).toHaveLength(2);
    expect(result.evaluation?.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.summary.totalParams).toBe(6 * 8 + 8 + 8 * 2 + 2);
    const pre = (result.artifact.modelJson.userDefinedMetadata as { preprocessing: { standardize: { mean: number[] } } }).preprocessing;
    // Fitted on the training part (the first 72 samples): means near 5.
    expect(pre.standardize.mean).toHaveLength(6);
    expect(pre.standardize.mean[0]).toBeGreaterThan(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs train then fine_tune on a frozen base, numbering epochs on, and frees every tensor', async () => {
    const baseModel = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, inputShape: [6], activation: 'relu', name: 'b1' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'b_out' }),
      ],
    });
    const base = await serializeModel(baseModel);
    baseModel.dispose();
    const before = tf.memory().numTensors;
    const rows: EpochMetrics[] = [];
    const result = await runTrainingJob({
      spec: baseSpec({
        base: { modelId: 'm', dropLast: 1, freeze: true },
        model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
        compile: { optimizer: { type: 'sgd', learningRate: 0.05 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
        fit: { epochs: 2, batchSize: 16 },
        fineTune: { epochs: 2, optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 } },
      }),
      data: { train: dataset(64) },
      base,
      hooks: { onEpoch: (r) => void rows.push(r) },
    });
    expect(result.status).toBe('succeeded');
    expect(rows.map((r) => `${r.epoch}:${r.phase}`)).toEqual(['1:train', '2:train', '3:fine_tune', '4:fine_tune']);
    expect(result.epochsRun).toBe(4);
    // After fine-tuning every layer is trainable again.
    expect(result.summary.nonTrainableParams).toBe(0);
    expect(result.summary.layers[0].name).toBe('b1');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a cancel after epoch 1 stops with status cancelled and a partial artifact', async () => {
    const before = tf.memory().numTensors;
    const rows: EpochMetrics[] = [];
    const result = await runTrainingJob({
      spec: baseSpec({ fit: { epochs: 5, batchSize: 16 }, fineTune: { epochs: 2 } }),
      data: { train: dataset(64) },
      hooks: { onEpoch: (r) => void rows.push(r), shouldStop: () => rows.length >= 1 },
    });
    expect(result.status).toBe('cancelled');
    expect(result.epochsRun).toBe(1);
    expect(rows).toHaveLength(1);
    expect(result.evaluation).toBeNull();
    expect(result.artifact.weights.byteLength).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('NaN loss throws TrainingDivergedError naming the epoch and batch, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const err = await runTrainingJob({
      spec: baseSpec({
        dataset: { id: 'd' },
        validation: undefined,
        model: { layers: [{ type: 'Dense', units: 1 }] },
        compile: { optimizer: { type: 'sgd', learningRate: 10 }, loss: 'mse' },
        diagnostics: { enabled: false },
      }),
      data: { train: dataset(64, 1, 1e6) },
      hooks: { onEpoch: () => {} },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/epoch 1, batch \d+/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports selu self-normalization warnings with the first diagnostics', async () => {
    const seen: TrainingWarning[] = [];
    const result = await runTrainingJob({
      spec: baseSpec({
        dataset: { id: 'd' },
        model: {
          layers: [
            { type: 'Dense', units: 8, activation: 'selu', name: 'h' },
            { type: 'Dense', units: 2, activation: 'softmax' },
          ],
        },
        fit: { epochs: 1, batchSize: 16 },
      }),
      data: { train: dataset(32) },
      hooks: { onEpoch: () => {}, onDiagnostics: (_d, w) => void seen.push(...w) },
    });
    expect(result.warnings.filter((w) => w.kind === 'self_normalization').map((w) => w.layer)).toEqual(['h', null]);
    expect(seen.filter((w) => w.kind === 'self_normalization')).toHaveLength(2);
  });
});
