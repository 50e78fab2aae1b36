import { describe, expect, it } from 'vitest';
import { parseCsvDataset } from '../../../src/data/csv.js';
import { datasetFromJson } from '../../../src/data/json.js';
import { SpecError } from '../../../src/core/problems.js';

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).details;
  }
  throw new Error('accepted');
}

describe('numbers float32 cannot hold, and numbers a CSV does not mean', () => {
  it('refuses 1e39 in a JSON dataset, naming the element, instead of storing +Infinity', () => {
    const details = problemsOf(() => datasetFromJson({ features: [[1, 2], [3, 1e39]], labels: [0, 1] }));
    expect(details[0].path).toBe('/features/1/1');
    expect(details[0].message).toContain('float32');
  });

  it('keeps the largest float32 itself', () => {
    expect(datasetFromJson({ features: [[3.4028234663852886e38, -3.4028234663852886e38]] }).features[0]).toBe(3.4028234663852886e38);
  });

  it('refuses 1e39 in a CSV cell, naming row and column', () => {
    const details = problemsOf(() => parseCsvDataset('a,b,label\n1,2,0\n1e39,2,1\n', { labelColumn: 'label' }));
    expect(details[0]).toMatchObject({ path: '/rows/1/a' });
    expect(details[0].message).toContain('float32');
  });

  it('refuses hexadecimal, binary, octal and Infinity cells, which Number() would read', () => {
    for (const cell of ['0x10', '0b11', '0o7', 'Infinity', '-Infinity', '1_000']) {
      const details = problemsOf(() => parseCsvDataset(`a,label\n${cell},0\n`, { labelColumn: 'label' }));
      expect(details[0].message, cell).toContain('not a finite decimal number');
    }
  });

  it('still reads decimal forms: signs, exponents, leading and trailing dots', () => {
    const { dataset } = parseCsvDataset('a,b,c,d,e\n-1.5,+2,.5,3.,1e-3\n');
    expect(Array.from(dataset.features)).toEqual([-1.5, 2, 0.5, 3, Math.fround(1e-3)]);
  });
});
