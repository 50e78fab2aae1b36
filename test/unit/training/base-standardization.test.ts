import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/data/types.js';
import type { JobSpec } from '../../../src/schemas/job-spec.js';
import { runTrainingJob } from '../../../src/training/run-job.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function dataset(n: number): Dataset {
  const features = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 4; f++) features[i * 4 + f] = Math.sin(i * 7.3 + f * 1.7);
    labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;
  }
  return { features, labels, featureShape: [4], samples: n, classes: 2 };
}

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  dataset: { id: 'd' },
  model: { layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 2, activation: 'softmax' }] },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 1, batchSize: 16, seed: 1 },
  diagnostics: { enabled: false },
  ...over,
});

describe('standardization and a base model', () => {
  it("a job on a base reuses the base's statistics, since its reused layers expect inputs scaled that way", async () => {
    const shifted = (n: number, offset: number): Dataset => {
      const ds = dataset(n);
      return { ...ds, features: ds.features.map((v, i) => v * (1 + (i % 4)) + offset) };
    };
    const base = await runTrainingJob({
      spec: spec({ dataset: { id: 'a', standardize: true }, fit: { epochs: 1, batchSize: 16 } }),
      data: { train: shifted(64, 10) },
      hooks: { onEpoch: () => {} },
    });
    const saved = (base.artifact.modelJson.userDefinedMetadata as any).preprocessing.standardize;
    const child = await runTrainingJob({
      spec: spec({ dataset: { id: 'b', standardize: true }, base: { modelId: 'a', dropLast: 1 }, model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] }, fit: { epochs: 1, batchSize: 16 } }),
      data: { train: shifted(64, -3) },
      base: base.artifact,
      hooks: { onEpoch: () => {} },
    });
    expect((child.artifact.modelJson.userDefinedMetadata as any).preprocessing.standardize).toEqual(saved);
  });
});
