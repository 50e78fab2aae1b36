import { describe, expect, it } from 'vitest';
import { applyStandardizer, fitStandardizer, standardizeDataset } from '../../../src/data/standardize.js';
import type { Dataset } from '../../../src/data/types.js';

const ds: Dataset = {
  // 4 samples x 3 features; the last feature is constant.
  features: Float32Array.from([1, 10, 5, 2, 20, 5, 3, 30, 5, 4, 40, 5]),
  labels: null,
  featureShape: [3],
  samples: 4,
  classes: 0,
};

describe('standardize', () => {
  it('fits per-feature mean and population std; constant features get std 1', () => {
    const stats = fitStandardizer(ds);
    expect(stats.mean).toEqual([2.5, 25, 5]);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(stats.std[1]).toBeCloseTo(Math.sqrt(125), 12);
    expect(stats.std[2]).toBe(1);
  });

  it('applies (x - mean) / std without touching the input', () => {
    const stats = fitStandardizer(ds);
    const out = applyStandardizer(ds.features, stats);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 5);
    expect(out[10]).toBeCloseTo(15 / Math.sqrt(125), 5);
    expect(out[2]).toBe(0);
    expect(ds.features[0]).toBe(1);
    // Standardized training data has mean 0 and std 1 per non-constant feature.
    const refit = fitStandardizer(standardizeDataset(ds, stats));
    expect(refit.mean[0]).toBeCloseTo(0, 6);
    expect(refit.std[1]).toBeCloseTo(1, 6);
  });

  it('applies the same stats to other data of the same width', () => {
    const stats = fitStandardizer(ds);
    expect(Array.from(applyStandardizer(Float32Array.from([2.5, 25, 6]), stats))).toEqual([0, 0, 1]);
    expect(() => applyStandardizer(Float32Array.from([1, 2]), stats)).toThrow(/not a whole number of samples/);
  });

  it('works on multi-dimensional samples and rejects empty datasets', () => {
    const img: Dataset = { features: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), labels: null, featureShape: [2, 2], samples: 2, classes: 0 };
    expect(fitStandardizer(img).mean).toEqual([2, 3, 4, 5]);
    expect(() => fitStandardizer({ ...img, features: new Float32Array(0), samples: 0 })).toThrow(/empty/);
  });
});
