import { describe, expect, it } from 'vitest';
import { loadBuiltin } from '../../../src/data/builtin.js';
import { applyView, withViewSeed } from '../../../src/data/view.js';
import { FIXTURES_DIR } from './fixtures.js';
import { catchSpecError, makeDataset } from './helpers.js';

describe('applyView: classes', () => {
  const ds = makeDataset(12, (i) => i % 4); // labels 0,1,2,3,0,1,...

  it('keeps only the listed classes, renumbered in the order given', () => {
    const v = applyView(ds, { classes: [3, 1] });
    expect(v.samples).toBe(6);
    expect(v.classes).toBe(2);
    // Samples 1,3,5,7,9,11 in their original order; class 3 -> 0, class 1 -> 1.
    expect(Array.from(v.labels!)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(Array.from(v.features.filter((_, i) => i % 2 === 0))).toEqual([1, 3, 5, 7, 9, 11]);
    expect(v.featureShape).toEqual([2]);
    // The input is untouched.
    expect(ds.labels![3]).toBe(3);
  });

  it('names the missing class by its index in the list', () => {
    const err = catchSpecError(() => applyView(ds, { classes: [0, 7, 2, 9] }, '/dataset'));
    expect(err.details.map((d) => d.path)).toEqual(['/dataset/classes/1', '/dataset/classes/3']);
    expect(err.details[0].message).toMatch(/class 7 is not present/);
  });

  it('reports a class declared but absent from the samples', () => {
    const sparse = makeDataset(4, (i) => [0, 2, 0, 2][i], 3);
    expect(catchSpecError(() => applyView(sparse, { classes: [1] })).details[0].path).toBe('/classes/0');
  });

  it('rejects classes on an unlabeled dataset', () => {
    expect(catchSpecError(() => applyView({ ...ds, labels: null, classes: 0 }, { classes: [0] })).details[0].path).toBe('/classes');
  });
});

describe('applyView: limit', () => {
  const ds = makeDataset(100, (i) => i % 10);
  const firstFeature = (d: typeof ds) => Array.from(d.features.filter((_, i) => i % 2 === 0));

  it('is deterministic for a seed, keeps original order, differs across seeds', () => {
    const a = applyView(ds, { limit: 10, seed: 5 });
    const b = applyView(ds, { limit: 10, seed: 5 });
    const c = applyView(ds, { limit: 10, seed: 6 });
    expect(a.samples).toBe(10);
    expect(firstFeature(b)).toEqual(firstFeature(a));
    expect(firstFeature(c)).not.toEqual(firstFeature(a));
    const idx = firstFeature(a);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(new Set(idx).size).toBe(10);
    // Features and labels stay paired.
    idx.forEach((orig, i) => {
      expect(a.labels![i]).toBe(orig % 10);
      expect(a.features[2 * i + 1]).toBe(10 * orig);
    });
    expect(a.classes).toBe(10);
  });

  it('without a seed uses seed 0 (repeatable), and a big limit keeps everything', () => {
    expect(firstFeature(applyView(ds, { limit: 7 }))).toEqual(firstFeature(applyView(ds, { limit: 7, seed: 0 })));
    expect(applyView(ds, { limit: 1000 })).toBe(ds);
    expect(applyView(ds, {})).toBe(ds);
  });

  it('applies classes before limit', () => {
    const v = applyView(ds, { classes: [2, 5], limit: 4, seed: 1 });
    expect(v.samples).toBe(4);
    expect(v.classes).toBe(2);
    firstFeature(v).forEach((orig, i) => expect(v.labels![i]).toBe(orig % 10 === 2 ? 0 : 1));
  });

  it('rejects a bad limit', () => {
    expect(catchSpecError(() => applyView(ds, { limit: 0 }, '/evaluate/dataset')).details[0].path).toBe('/evaluate/dataset/limit');
  });

  it('samples the Fashion-MNIST fixture repeatably', async () => {
    const fm = await loadBuiltin('fashion-mnist', 'test', { datasetsDir: FIXTURES_DIR, verifyChecksums: false });
    const a = applyView(fm, { classes: [9, 0], limit: 20, seed: 123 });
    const b = applyView(fm, { classes: [9, 0], limit: 20, seed: 123 });
    expect(a.samples).toBe(20);
    expect(a.labels).toEqual(b.labels);
    expect(a.features).toEqual(b.features);
    expect(a.featureShape).toEqual([28, 28]);
    expect(new Set(a.labels).size).toBeLessThanOrEqual(2);
    // The first fixture sample is an ankle boot (9); class 9 became 0.
    const full = applyView(fm, { classes: [9, 0] });
    expect(full.labels![0]).toBe(0);
    expect(full.features.subarray(0, 784)).toEqual(fm.features.subarray(0, 784));
  });
});

describe('withViewSeed', () => {
  it("derives the limit sample's seed from the job's, per reference; a reference's own seed wins", () => {
    type Ref = { limit?: number; seed?: number; classes?: number[] };
    const ref = (r: Ref): Ref => r;
    const train = withViewSeed(ref({ limit: 5 }), 42, 'train');
    const evaluate = withViewSeed(ref({ limit: 5 }), 42, 'evaluate');
    expect(Number.isInteger(train.seed) && train.seed! >= 0).toBe(true);
    expect(evaluate.seed).not.toBe(train.seed);
    expect(withViewSeed(ref({ limit: 5 }), 43, 'train').seed).not.toBe(train.seed);
    expect(withViewSeed({ limit: 5, seed: 3 }, 42, 'train').seed).toBe(3);
    expect(withViewSeed(ref({ classes: [1] }), 42, 'train')).toEqual({ classes: [1] });
    expect(withViewSeed({ limit: 5 }, undefined, 'train')).toEqual({ limit: 5 });
  });
});
