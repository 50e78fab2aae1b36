import { classCount, selectSamples } from './dataset.js';
import { ProblemCollector, pointer, specError } from '../core/problems.js';
import { deriveSeed, seededPermutation } from '../core/random.js';
import type { Dataset } from './types.js';

/** The view options of a dataset reference (see `DatasetRef` in the job spec). */
export interface ViewOptions {
  /** Keep only these labels, renumbered 0..n-1 in this order. */
  classes?: readonly number[];
  /** At most this many samples, chosen with `seed`. */
  limit?: number;
  /** Seed of the `limit` sample; 0 when absent so an unseeded limit is still repeatable (a job fills it from `fit.seed`: {@link withViewSeed}). */
  seed?: number;
}

/**
 * A dataset reference with the seed of its `limit` sample: its own, else one derived from the
 * job's seed and `label` (which reference it is), so the sample follows `fit.seed` like every
 * other random choice of the job.
 */
export function withViewSeed<R extends { limit?: number; seed?: number }>(ref: R, jobSeed: number | undefined, label: string): R {
  if (ref.limit === undefined || ref.seed !== undefined || jobSeed === undefined) return ref;
  return { ...ref, seed: deriveSeed(jobSeed, 'dataset', label) };
}

/**
 * Applies `classes` then `limit`: keeps the listed classes (renumbered in the order given),
 * then at most `limit` samples picked with a seeded PRNG, kept in their original order.
 * Returns `ds` itself when there is nothing to do.
 * @param basePath JSON pointer of the dataset reference in the request, prefixed to error paths
 *   (e.g. `/dataset`), so a 400 names the right field.
 * @throws SpecError when a class is not present or the options are invalid.
 */
export function applyView(ds: Dataset, opts: ViewOptions, basePath = ''): Dataset {
  let out = ds;
  if (opts.classes !== undefined) out = keepClasses(out, opts.classes, basePath);
  if (opts.limit !== undefined) out = limitSamples(out, opts.limit, opts.seed ?? 0, basePath);
  return out;
}

/** Whether {@link applyView} makes a copy of `ds` (otherwise it returns `ds` itself, or throws). */
export function viewCopies(ds: Dataset, opts: ViewOptions): boolean {
  return opts.classes !== undefined || (opts.limit !== undefined && !(opts.limit >= ds.samples));
}

function keepClasses(ds: Dataset, classes: readonly number[], basePath: string): Dataset {
  if (!ds.labels) specError(pointer(basePath, 'classes'), 'the dataset has no labels to select classes from');
  if (classes.length === 0) specError(pointer(basePath, 'classes'), 'list at least one class');
  const present = new Uint8Array(Math.max(ds.classes, classCount(ds.labels)));
  for (let i = 0; i < ds.labels.length; i++) present[ds.labels[i]] = 1;

  const problems = new ProblemCollector('invalid dataset view');
  const renumber = new Map<number, number>();
  classes.forEach((c, i) => {
    const path = pointer(basePath, 'classes', i);
    if (!Number.isInteger(c) || c < 0) problems.add(path, `${c} is not a class index`);
    else if (renumber.has(c)) problems.add(path, `class ${c} is listed twice`);
    else if (c >= present.length || !present[c]) problems.add(path, `class ${c} is not present in the dataset (it has classes 0..${ds.classes - 1})`);
    else renumber.set(c, i);
  });
  problems.throwIfAny();

  const keep: number[] = [];
  for (let i = 0; i < ds.labels.length; i++) if (renumber.has(ds.labels[i])) keep.push(i);
  const picked = selectSamples(ds, keep);
  for (let i = 0; i < picked.samples; i++) picked.labels![i] = renumber.get(picked.labels![i])!;
  return { ...picked, classes: classes.length };
}

function limitSamples(ds: Dataset, limit: number, seed: number, basePath: string): Dataset {
  if (!Number.isInteger(limit) || limit < 1) specError(pointer(basePath, 'limit'), 'must be an integer of at least 1');
  if (!Number.isInteger(seed) || seed < 0) specError(pointer(basePath, 'seed'), 'must be a non-negative integer');
  if (limit >= ds.samples) return ds;
  // The first `limit` entries of a seeded permutation are a uniform sample without replacement;
  // sorting them keeps the dataset's own order (which matters for a later validation split).
  const chosen = seededPermutation(ds.samples, seed).subarray(0, limit).sort();
  return selectSamples(ds, chosen);
}
