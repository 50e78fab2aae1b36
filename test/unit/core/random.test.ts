import { describe, expect, it } from 'vitest';
import { mulberry32, seededPermutation, seededShuffle } from '../../../src/core/random.js';

describe('seeded randomness', () => {
  it('mulberry32 is deterministic, in [0, 1), and seed-dependent', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(xs[0]);
    // Pin the generator: a change would silently change every seeded `limit` sample.
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('seededShuffle is a deterministic permutation that leaves the input alone', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const s1 = seededShuffle(items, 7);
    expect(seededShuffle(items, 7)).toEqual(s1);
    expect(s1).not.toEqual(items);
    expect([...s1].sort((x, y) => x - y)).toEqual(items);
    expect(items[0]).toBe(0);
    expect(seededShuffle(items, 8)).not.toEqual(s1);
  });

  it('seededPermutation covers 0..n-1 exactly once', () => {
    const p = seededPermutation(100, 3);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(seededPermutation(100, 3))).toEqual(Array.from(p));
  });
});
