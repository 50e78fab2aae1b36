import { sliceSamples } from './dataset.js';
import { specError } from '../core/problems.js';
import type { Dataset } from './types.js';

/**
 * Holds out the LAST `fraction` of samples for validation, as Keras `validation_split`
 * (the split point is floor(samples * (1 - fraction)), before any shuffling). Both parts
 * share memory with `ds` and keep its class count.
 * @param path JSON pointer of the fraction in the request, for error messages.
 * @throws SpecError when the fraction is outside (0, 1) or leaves either part empty.
 */
export function splitValidation(ds: Dataset, fraction: number, path = '/validation/split'): { train: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) specError(path, `must be between 0 and 1 (exclusive), got ${fraction}`);
  const splitAt = Math.floor(ds.samples * (1 - fraction));
  if (splitAt === 0 || splitAt === ds.samples) {
    specError(path, `a split of ${fraction} of ${ds.samples} samples leaves ${splitAt === 0 ? 'no training' : 'no validation'} samples`);
  }
  return { train: sliceSamples(ds, 0, splitAt), validation: sliceSamples(ds, splitAt, ds.samples) };
}
