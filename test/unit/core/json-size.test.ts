import { describe, expect, it } from 'vitest';
import { exceedsJsonLimits } from '../../../src/core/json-size.js';

describe('exceedsJsonLimits', () => {
  const limits = { maxDepth: 64, maxBytes: 1024 };

  it('passes an ordinary value', () => {
    expect(exceedsJsonLimits({ a: [1, 2, { b: 'x' }], c: null }, limits)).toBeNull();
  });

  it('measures a 10,000-deep array without a stack overflow and names where it got too deep', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const over = exceedsJsonLimits({ junk: deep }, limits, '/modelJson');
    expect(over?.message).toBe('nests deeper than 64 levels');
    expect(over?.path.startsWith('/modelJson/junk/0/0')).toBe(true);
  });

  it('refuses a long string or a long array by size', () => {
    expect(exceedsJsonLimits({ junk: 'x'.repeat(2000) }, limits)?.message).toContain('larger than the limit of 1,024 bytes');
    expect(exceedsJsonLimits(new Array(5000).fill(0), limits)?.message).toContain('larger than');
    expect(exceedsJsonLimits(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 0])), limits)).not.toBeNull();
  });
});
