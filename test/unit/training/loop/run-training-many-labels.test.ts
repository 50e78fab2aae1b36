import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/data/types.js';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import { SpecError } from '../../../../src/core/problems.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('runTrainingJob: labels that do not fit the output layer', () => {
  it('reports the units needed for 250k labels as a SpecError (no stack overflow) and frees every tensor', async () => {
    const n = 250_000;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = i % 6;
    const data: Dataset = { features: new Float32Array(n), labels, featureShape: [1], samples: n, classes: 6 };
    const spec = {
      dataset: { id: 'd' },
      model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] },
      compile: { optimizer: { type: 'sgd' }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1, batchSize: 1024 },
      diagnostics: { enabled: false },
    } as JobSpec;
    const before = tf.memory().numTensors;
    const err = await runTrainingJob({ spec, data: { train: data }, hooks: { onEpoch: () => {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).details[0].message).toContain('needs 6 units');
    expect(tf.memory().numTensors).toBe(before);
  });
});
