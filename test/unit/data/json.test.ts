import { describe, expect, it } from 'vitest';
import { datasetFromJson } from '../../../src/data/json.js';
import { catchSpecError } from './helpers.js';

describe('datasetFromJson', () => {
  it('builds a flat-feature dataset', () => {
    const ds = datasetFromJson({ features: [[1, 2, 3], [4, 5, 6]], labels: [1, 4] });
    expect(Array.from(ds.features)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(ds.labels!)).toEqual([1, 4]);
    expect(ds.featureShape).toEqual([3]);
    expect(ds.samples).toBe(2);
    expect(ds.classes).toBe(5);
  });

  it('builds a 2-D sample dataset, unlabeled', () => {
    const ds = datasetFromJson({ features: [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]] });
    expect(ds.featureShape).toEqual([3, 2]);
    expect(ds.labels).toBeNull();
    expect(ds.classes).toBe(0);
    expect(ds.features[7]).toBe(8);
  });

  it('names ragged rows and bad numbers with JSON pointers', () => {
    const err = catchSpecError(() => datasetFromJson({ features: [[1, 2], [3, 4], [5, 6], [7, 'x' as unknown as number], [1]] }));
    expect(err.details.map((d) => d.path)).toEqual(['/features/3/1', '/features/4']);
    expect(err.details[0].message).toBe('expected a finite number, got the string "x"');
    expect(err.details[1].message).toMatch(/2 items.*got 1 items/);
  });

  it('rejects non-finite values in nested samples', () => {
    const err = catchSpecError(() => datasetFromJson({ features: [[[1, 2]], [[3, null as unknown as number]]] }));
    expect(err.details).toEqual([{ path: '/features/1/0/1', message: 'expected a finite number, got null' }]);
    // NaN and Infinity cannot arrive through JSON, but can through code.
    expect(catchSpecError(() => datasetFromJson({ features: [[1], [Infinity]] })).details[0].path).toBe('/features/1/0');
  });

  it('checks labels: integer, non-negative, one per sample', () => {
    const features = Array.from({ length: 8 }, (_, i) => [i]);
    const err = catchSpecError(() => datasetFromJson({ features, labels: [0, 1, 2, 3, 4, 5, 6, 1.5] }));
    expect(err.details).toEqual([{ path: '/labels/7', message: 'expected a class index from 0 to 99999, got 1.5' }]);
    expect(catchSpecError(() => datasetFromJson({ features, labels: [0, -1, 0, 0, 0, 0, 0, 0] })).details[0].path).toBe('/labels/1');
    expect(catchSpecError(() => datasetFromJson({ features, labels: [0, 1] })).details[0]).toMatchObject({ path: '/labels', message: expect.stringContaining('2 labels for 8 samples') });
  });

  it('rejects empty and scalar inputs', () => {
    expect(catchSpecError(() => datasetFromJson({ features: [] })).details[0].path).toBe('/features');
    expect(catchSpecError(() => datasetFromJson({ features: [1, 2] as unknown as number[][] })).details[0].path).toBe('/features/0');
    expect(catchSpecError(() => datasetFromJson({ features: [[]] })).details[0].message).toMatch(/must not be empty/);
    expect(catchSpecError(() => datasetFromJson(null as never)).details[0].path).toBe('');
  });

  it('stops after 10 problems', () => {
    const err = catchSpecError(() => datasetFromJson({ features: Array.from({ length: 50 }, () => ['a' as unknown as number]) }));
    expect(err.details).toHaveLength(10);
    expect(err.message).toMatch(/and 9 more; only the first 10 problems are listed/);
  });
});

describe('datasetFromJson class cap', () => {
  it('refuses a label past MAX_CLASSES, which would ask for a gigantic output layer', () => {
    expect(() => datasetFromJson({ features: [[1], [2]], labels: [0, 2147483647] })).toThrow(/class index from 0 to 99999/);
  });
});
