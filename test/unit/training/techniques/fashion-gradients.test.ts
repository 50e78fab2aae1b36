/**
 * Gradient health on real Fashion-MNIST images (the committed fixture: the first 1,200 training
 * images), through `runTrainingJob` as the worker runs it:
 * - a 20-hidden-layer sigmoid network with Glorot init raises `vanishing_gradients`;
 * - the same depth with SELU + LeCun normal on standardized inputs keeps every hidden layer's
 *   activation std within 0.5-1.5 and raises no vanishing/exploding warning.
 *
 * The chapter's BatchNormalization model (Flatten, BN, Dense 300 elu he_normal, BN, Dense 100 elu
 * he_normal, BN, Dense 10 softmax) and Keras's counts for it (total 271,346, trainable 268,978,
 * non-trainable 2,368) are checked in test/unit/training/model/build-summary.test.ts
 * ("counts the book's BatchNormalization model as Keras does"); not repeated here.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltin } from '../../../../src/data/builtin.js';
import type { Dataset } from '../../../../src/data/types.js';
import type { JobSpec, LayerSpec } from '../../../../src/schemas/job-spec.js';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import type { EpochDiagnostics, TrainingWarning } from '../../../../src/core/run-types.js';

const DEPTH = 20;
const UNITS = 32;

let train: Dataset;

beforeAll(async () => {
  await initBackend('wasm');
  train = await loadBuiltin('fashion-mnist', 'train', { datasetsDir: 'test/fixtures/datasets', verifyChecksums: false });
});

/** Flatten, DEPTH hidden Dense layers of UNITS units, a softmax output over the 10 classes. */
function deepNet(activation: 'sigmoid' | 'selu', kernelInitializer: 'glorot_uniform' | 'lecun_normal'): LayerSpec[] {
  const hidden: LayerSpec[] = Array.from({ length: DEPTH }, (_, i) => ({ type: 'Dense', name: `hidden${i + 1}`, units: UNITS, activation, kernelInitializer }));
  return [{ type: 'Flatten', inputShape: [28, 28] }, ...hidden, { type: 'Dense', name: 'output', units: 10, activation: 'softmax' }];
}

/**
 * Plain SGD at lr 0.001 (the book trains its deep SELU net with SGD at 0.001). Measured over 8
 * seeds on wasm, the 20 SELU layers' activation std after the epoch lies in 0.80-1.30; at lr 0.01
 * it drifts up to 1.01-1.46, too near the 1.5 bound for a test. The sigmoid net's bottom/top
 * gradient ratio is ~1e-12 either way (the warning fires under 1e-3).
 */
function spec(layers: LayerSpec[], standardize: boolean): JobSpec {
  return {
    dataset: { builtin: 'fashion-mnist', split: 'train', standardize },
    model: { layers },
    compile: { optimizer: { type: 'sgd', learningRate: 0.001 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 32, seed: 42 },
  };
}

async function train1Epoch(s: JobSpec): Promise<{ diagnostics: EpochDiagnostics[]; warnings: TrainingWarning[]; jobWarnings: TrainingWarning[] }> {
  const diagnostics: EpochDiagnostics[] = [];
  const warnings: TrainingWarning[] = [];
  const before = tf.memory().numTensors;
  const result = await runTrainingJob({
    spec: s,
    data: { train },
    hooks: {
      onEpoch: () => undefined,
      onDiagnostics: (d, w) => {
        diagnostics.push(d);
        warnings.push(...w);
      },
    },
  });
  expect(result.status).toBe('succeeded');
  expect(tf.memory().numTensors).toBe(before);
  return { diagnostics, warnings, jobWarnings: result.warnings };
}

describe('gradient health on Fashion-MNIST (1,200 fixture images, 1 epoch, 20 hidden layers)', () => {
  it('a sigmoid network with Glorot init shows vanishing gradients', async () => {
    expect(train.samples).toBe(1200);
    const { diagnostics, warnings, jobWarnings } = await train1Epoch(spec(deepNet('sigmoid', 'glorot_uniform'), false));
    expect(diagnostics).toHaveLength(1);
    const layers = diagnostics[0].layers;
    expect(layers).toHaveLength(DEPTH + 1);
    const vanishing = warnings.filter((w) => w.kind === 'vanishing_gradients');
    expect(vanishing).toHaveLength(1);
    expect(vanishing[0]).toMatchObject({ epoch: 1, layer: 'hidden1' });
    expect(vanishing[0].advice).toMatch(/he_normal|BatchNormalization/);
    // The bottom layer's gradient is orders of magnitude below the top's.
    expect(layers[0].gradNorm / layers[layers.length - 1].gradNorm).toBeLessThan(1e-3);
    // The same warning is in the job's result, as GET /jobs/:id shows it.
    expect(jobWarnings.some((w) => w.kind === 'vanishing_gradients')).toBe(true);
  });

  it('SELU + LeCun normal on standardized inputs keeps each hidden layer near unit std, without gradient warnings', async () => {
    const { diagnostics, warnings } = await train1Epoch(spec(deepNet('selu', 'lecun_normal'), true));
    expect(diagnostics).toHaveLength(1);
    const hidden = diagnostics[0].layers.filter((l) => l.name.startsWith('hidden'));
    expect(hidden).toHaveLength(DEPTH);
    for (const l of hidden) {
      expect(l.activationStd, l.name).toBeGreaterThanOrEqual(0.5);
      expect(l.activationStd, l.name).toBeLessThanOrEqual(1.5);
    }
    expect(warnings.filter((w) => w.kind === 'vanishing_gradients' || w.kind === 'exploding_gradients')).toEqual([]);
    // A plain selu stack, LeCun normal, standardized: nothing breaks self-normalization either.
    expect(warnings.filter((w) => w.kind === 'self_normalization')).toEqual([]);
  });
});
