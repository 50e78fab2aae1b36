import { createHash } from 'node:crypto';
import type { Dataset } from './types.js';

// Datasets come out of the worker's cache as the same object job after job: hash each once.
const digests = new WeakMap<Dataset, string>();

/**
 * SHA-256 (hex) of the samples a job trains on: the feature shape, the float32 features and the
 * int32 labels, in the platform's byte order. Two runs with equal digests saw the same numbers in
 * the same order, whatever file or upload they came from.
 */
export function datasetSha256(ds: Dataset): string {
  const known = digests.get(ds);
  if (known) return known;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ featureShape: ds.featureShape, samples: ds.samples, labelled: ds.labels !== null }));
  hash.update(new Uint8Array(ds.features.buffer, ds.features.byteOffset, ds.features.byteLength));
  if (ds.labels) hash.update(new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
  const digest = hash.digest('hex');
  digests.set(ds, digest);
  return digest;
}
