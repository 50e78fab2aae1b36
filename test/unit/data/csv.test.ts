import { describe, expect, it } from 'vitest';
import { parseCsvDataset } from '../../../src/data/csv.js';
import { catchSpecError } from './helpers.js';

describe('parseCsvDataset', () => {
  it('parses integer labels as class indices', () => {
    const { dataset, labelNames, featureNames } = parseCsvDataset('a,b,label\n1,2,0\n3.5,-4e2,2\n', { labelColumn: 'label' });
    expect(featureNames).toEqual(['a', 'b']);
    expect(labelNames).toBeNull();
    expect(Array.from(dataset.features)).toEqual([1, 2, 3.5, -400]);
    expect(Array.from(dataset.labels!)).toEqual([0, 2]);
    expect(dataset.featureShape).toEqual([2]);
    expect(dataset.samples).toBe(2);
    expect(dataset.classes).toBe(3);
  });

  it('maps string labels to indices in order of first appearance, label column anywhere', () => {
    const csv = 'species,x,y\nsetosa,1,2\nvirginica,3,4\nsetosa,5,6\nversicolor,7,8\n';
    const { dataset, labelNames, featureNames } = parseCsvDataset(Buffer.from(csv), { labelColumn: 'species' });
    expect(labelNames).toEqual(['setosa', 'virginica', 'versicolor']);
    expect(featureNames).toEqual(['x', 'y']);
    expect(Array.from(dataset.labels!)).toEqual([0, 1, 0, 2]);
    expect(Array.from(dataset.features)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(dataset.classes).toBe(3);
  });

  it('treats a mix of numbers and names as names', () => {
    const { dataset, labelNames } = parseCsvDataset('x,y\n1,-1\n2,1\n3,-1\n', { labelColumn: 'y' });
    expect(labelNames).toEqual(['-1', '1']);
    expect(Array.from(dataset.labels!)).toEqual([0, 1, 0]);
  });

  it('returns an unlabeled dataset without labelColumn; handles BOM, quotes, CRLF, blank lines', () => {
    const { dataset, labelNames } = parseCsvDataset('\ufeff"a","b"\r\n1, 2\r\n\r\n"3",4\r\n');
    expect(dataset.labels).toBeNull();
    expect(dataset.classes).toBe(0);
    expect(labelNames).toBeNull();
    expect(Array.from(dataset.features)).toEqual([1, 2, 3, 4]);
  });

  it('names the row and column of a non-numeric cell', () => {
    const err = catchSpecError(() => parseCsvDataset('a,b,label\n1,2,0\n3,oops,1\n5,,1\n', { labelColumn: 'label' }));
    expect(err.details).toEqual([
      { path: '/rows/1/b', message: 'data row 2, column "b": "oops" is not a finite decimal number' },
      { path: '/rows/2/b', message: 'data row 3, column "b": "" is not a finite decimal number' },
    ]);
    expect(err.message).toMatch(/\/rows\/1\/b.*and 1 more/);
  });

  it('rejects an unknown label column, ragged rows, an empty file and duplicate headers', () => {
    expect(catchSpecError(() => parseCsvDataset('a,b\n1,2\n', { labelColumn: 'y' })).details[0]).toMatchObject({ path: '/labelColumn', message: expect.stringContaining('"a", "b"') });
    expect(catchSpecError(() => parseCsvDataset('a,b\n1,2\n3\n')).details[0]).toMatchObject({ path: '/rows/1', message: expect.stringContaining('1 cells') });
    expect(catchSpecError(() => parseCsvDataset('')).details[0].path).toBe('/file');
    expect(catchSpecError(() => parseCsvDataset('a,b\n')).details[0].message).toMatch(/no data rows/);
    expect(catchSpecError(() => parseCsvDataset('a,a\n1,2\n')).details[0].path).toBe('/header/1');
    expect(catchSpecError(() => parseCsvDataset('y\n1\n', { labelColumn: 'y' })).details[0].message).toMatch(/no feature columns/);
    expect(catchSpecError(() => parseCsvDataset('a,"b\n1,2\n')).message).toMatch(/invalid CSV/);
  });

  it('escapes column names in pointers and rejects empty labels', () => {
    expect(catchSpecError(() => parseCsvDataset('a/b,y\nx,1\n', { labelColumn: 'y' })).details[0].path).toBe('/rows/0/a~1b');
    expect(catchSpecError(() => parseCsvDataset('a,y\n1,\n', { labelColumn: 'y' })).details[0]).toEqual({ path: '/rows/0/y', message: 'data row 1 has an empty label' });
  });
});
