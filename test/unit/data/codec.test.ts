import { describe, expect, it } from 'vitest';
import { decodeDataset, encodeDataset } from '../../../src/data/codec.js';
import { splitValidation } from '../../../src/data/split.js';
import type { Dataset } from '../../../src/data/types.js';
import { makeDataset } from './helpers.js';

describe('dataset codec', () => {
  it('round-trips exactly, including awkward float values', () => {
    const ds: Dataset = {
      features: Float32Array.from([0, -0, 1.1, -3.4028234663852886e38, 1e-45, Math.PI, 0.1, 255 / 255]),
      labels: Int32Array.from([0, 3]),
      featureShape: [2, 2],
      samples: 2,
      classes: 4,
    };
    const enc = encodeDataset(ds);
    expect(enc.features.length).toBe(32);
    expect(enc.labels!.length).toBe(8);
    // Little-endian on the wire: 1.1f is 0x3f8ccccd.
    expect(enc.features.readFloatLE(8)).toBe(Math.fround(1.1));
    expect(enc.features.subarray(8, 12)).toEqual(Buffer.from([0xcd, 0xcc, 0x8c, 0x3f]));
    expect(enc.labels!.readInt32LE(4)).toBe(3);
    const dec = decodeDataset(enc);
    expect(dec).toEqual(ds);
    expect(Object.is(dec.features[1], -0)).toBe(true);
  });

  it('handles unlabeled datasets, subarray views and unaligned buffers', () => {
    const { validation } = splitValidation(makeDataset(5, (i) => i), 0.4); // views at a byte offset
    const enc = encodeDataset(validation);
    expect(decodeDataset(enc).features).toEqual(Float32Array.from([3, 30, 4, 40]));
    // A buffer starting at an odd offset (as slices of a file read often are).
    const odd = Buffer.concat([Buffer.from([7]), enc.features]).subarray(1);
    expect(decodeDataset({ ...enc, features: odd }).features).toEqual(validation.features);
    const unlabeled = encodeDataset({ ...validation, labels: null, classes: 0 });
    expect(unlabeled.labels).toBeNull();
    expect(decodeDataset(unlabeled).labels).toBeNull();
  });

  it('rejects data that disagrees with its metadata', () => {
    const enc = encodeDataset(makeDataset(3, (i) => i));
    expect(() => decodeDataset({ ...enc, samples: 4 })).toThrow(/expected 32/);
    expect(() => decodeDataset({ ...enc, labels: enc.labels!.subarray(0, 8) })).toThrow(/labels have 8 bytes/);
    expect(() => decodeDataset({ ...enc, classes: 2 })).toThrow(/label 2 at 2/);
  });
});
