import { beforeAll, describe, expect, it } from 'vitest';
import { tinyDataset, tinySpec } from '../../../support/tiny-job.js';
import type { Dataset } from '../../../../src/data/types.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('standardization and a base model', () => {
  it("a job on a base reuses the base's statistics, since its reused layers expect inputs scaled that way", async () => {
    const shifted = (n: number, offset: number): Dataset => {
      const ds = tinyDataset(n);
      return { ...ds, features: ds.features.map((v, i) => v * (1 + (i % 4)) + offset) };
    };
    const base = await runTrainingJob({
      spec: tinySpec({ dataset: { id: 'a', standardize: true }, fit: { epochs: 1, batchSize: 16 } }),
      data: { train: shifted(64, 10) },
      hooks: { onEpoch: () => {} },
    });
    const saved = (base.artifact.modelJson.userDefinedMetadata as any).preprocessing.standardize;
    const child = await runTrainingJob({
      spec: tinySpec({
        dataset: { id: 'b', standardize: true },
        base: { modelId: 'a', dropLast: 1 },
        model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] },
        fit: { epochs: 1, batchSize: 16 },
      }),
      data: { train: shifted(64, -3) },
      base: base.artifact,
      hooks: { onEpoch: () => {} },
    });
    expect((child.artifact.modelJson.userDefinedMetadata as any).preprocessing.standardize).toEqual(saved);
  });
});
