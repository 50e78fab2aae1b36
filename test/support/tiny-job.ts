import type { Dataset } from '../../src/data/types.js';
import type { JobSpec } from '../../src/schemas/job-spec.js';

/** n samples of 4 smooth features; the class is whether the first two sum above 0. */
export function tinyDataset(n: number): Dataset {
  const features = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 4; f++) features[i * 4 + f] = Math.sin(i * 7.3 + f * 1.7);
    labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;
  }
  return { features, labels, featureShape: [4], samples: n, classes: 2 };
}

/** A small job for {@link tinyDataset}: Dense 8, BatchNormalization, Dense 2 softmax; diagnostics off. */
export const tinySpec = (over: Partial<JobSpec> = {}): JobSpec => ({
  dataset: { id: 'd' },
  model: { layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'BatchNormalization' }, { type: 'Dense', units: 2, activation: 'softmax' }] },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 4, batchSize: 16, seed: 1 },
  diagnostics: { enabled: false },
  ...over,
});
