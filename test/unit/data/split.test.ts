import { describe, expect, it } from 'vitest';
import { splitValidation } from '../../../src/data/split.js';
import { catchSpecError, makeDataset } from './helpers.js';

describe('splitValidation', () => {
  const ds = makeDataset(10, (i) => i % 3);

  it('holds out the last fraction, as Keras validation_split', () => {
    const { train, validation } = splitValidation(ds, 0.2);
    expect(train.samples).toBe(8);
    expect(validation.samples).toBe(2);
    expect(Array.from(validation.features)).toEqual([8, 80, 9, 90]);
    expect(Array.from(validation.labels!)).toEqual([2, 0]);
    expect(Array.from(train.labels!)).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    expect(train.classes).toBe(3);
    expect(validation.classes).toBe(3);
    expect(validation.featureShape).toEqual([2]);
  });

  it('rounds the split point down like Keras (floor(n * (1 - f)))', () => {
    // 10 * (1 - 0.25) = 7.5 -> 7 train, 3 validation.
    const { train, validation } = splitValidation(ds, 0.25);
    expect([train.samples, validation.samples]).toEqual([7, 3]);
    expect(train.features.length).toBe(14);
  });

  it('rejects fractions outside (0, 1) and splits that leave a part empty', () => {
    expect(catchSpecError(() => splitValidation(ds, 0)).details[0].path).toBe('/validation/split');
    expect(catchSpecError(() => splitValidation(ds, 1)).details[0].path).toBe('/validation/split');
    expect(catchSpecError(() => splitValidation(ds, 1e-17)).details[0].message).toMatch(/no validation/); // 1 - 1e-17 rounds to 1
    expect(splitValidation(ds, 0.01).validation.samples).toBe(1); // floor(9.9) = 9
    expect(catchSpecError(() => splitValidation(makeDataset(1, () => 0), 0.5)).details[0].message).toMatch(/no training/);
  });
});
