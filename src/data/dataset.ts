import type { Dataset } from './types.js';

/**
 * Small helpers over {@link Dataset}. Datasets are treated as immutable: helpers may return
 * views sharing memory with their input, so nothing should write into a dataset's arrays.
 */

/** Number of float values in one sample (product of the feature shape). */
export function featureSize(featureShape: readonly number[]): number {
  return featureShape.reduce((a, b) => a * b, 1);
}

/** Bytes held by the dataset's arrays (what a memory budget should count). */
export function datasetBytes(ds: Dataset): number {
  return ds.features.byteLength + (ds.labels?.byteLength ?? 0);
}

/** Number of classes for a label array: max label + 1, or 0 when there are none. */
export function classCount(labels: ArrayLike<number> | null): number {
  if (!labels) return 0;
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max + 1;
}

/** A new dataset holding the samples at `indices`, in that order (features and labels copied). */
export function selectSamples(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = featureSize(ds.featureShape);
  const features = new Float32Array(indices.length * size);
  const labels = ds.labels ? new Int32Array(indices.length) : null;
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    features.set(ds.features.subarray(src * size, (src + 1) * size), i * size);
    if (labels) labels[i] = ds.labels![src];
  }
  return { features, labels, featureShape: [...ds.featureShape], samples: indices.length, classes: ds.classes };
}

/** The samples [start, end) as views sharing memory with `ds` (no copy). */
export function sliceSamples(ds: Dataset, start: number, end: number): Dataset {
  const size = featureSize(ds.featureShape);
  return {
    features: ds.features.subarray(start * size, end * size),
    labels: ds.labels ? ds.labels.subarray(start, end) : null,
    featureShape: [...ds.featureShape],
    samples: end - start,
    classes: ds.classes,
  };
}
