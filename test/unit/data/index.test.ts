import { describe, expect, it } from 'vitest';
import * as data from '../../../src/data/index.js';

describe('src/data public surface', () => {
  it('re-exports the public functions', () => {
    for (const name of ['loadBuiltin', 'parseIdxImages', 'parseIdxLabels', 'parseCsvDataset', 'datasetFromJson', 'applyView', 'mulberry32', 'seededShuffle', 'fitStandardizer', 'applyStandardizer', 'splitValidation', 'encodeDataset', 'decodeDataset']) {
      expect(typeof (data as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof data.DatasetCache).toBe('function');
    expect(data.BUILTINS.mnist.classes).toBe(10);
    expect(data.pointer('/dataset', 'rows', 2, 'a/b~c')).toBe('/dataset/rows/2/a~1b~0c');
  });
});
