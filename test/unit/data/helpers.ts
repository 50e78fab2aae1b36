import { SpecError } from '../../../src/core/problems.js';
import type { Dataset } from '../../../src/data/types.js';

/** Runs `fn`, expects a SpecError, and returns it for assertions on its details. */
export function catchSpecError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}

/** A labeled dataset of `n` samples with 2 features each: sample i is [i, 10 * i], label labelOf(i). */
export function makeDataset(n: number, labelOf: (i: number) => number, classes?: number): Dataset {
  const features = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    features[2 * i] = i;
    features[2 * i + 1] = 10 * i;
    labels[i] = labelOf(i);
  }
  return { features, labels, featureShape: [2], samples: n, classes: classes ?? Math.max(...labels) + 1 };
}
