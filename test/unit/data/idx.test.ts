import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdxImages, encodeIdxLabels, isGzip, parseIdxImages, parseIdxLabels } from '../../../src/data/idx.js';
import { FIXTURES_DIR } from './fixtures.js';

const read = (p: string) => readFileSync(join(FIXTURES_DIR, p));

describe('IDX parsing of the fixtures', () => {
  it('reads Fashion-MNIST train labels and images', () => {
    const labels = parseIdxLabels(read('fashion-mnist/train-labels-idx1-ubyte.gz'));
    expect(labels.count).toBe(1200);
    expect(Array.from(labels.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const images = parseIdxImages(read('fashion-mnist/train-images-idx3-ubyte.gz'));
    expect([images.count, images.rows, images.cols]).toEqual([1200, 28, 28]);
    expect(images.pixels.length).toBe(1200 * 784);
    // Fashion-MNIST images have dark backgrounds: the corner pixel is 0 and something is bright.
    expect(images.pixels[0]).toBe(0);
    expect(Math.max(...images.pixels.subarray(0, 784))).toBeGreaterThan(200);
  });

  it('reads Fashion-MNIST test labels', () => {
    const labels = parseIdxLabels(read('fashion-mnist/t10k-labels-idx1-ubyte.gz'));
    expect(labels.count).toBe(400);
    expect(Array.from(labels.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  });

  it('reads MNIST labels', () => {
    expect(Array.from(parseIdxLabels(read('mnist/train-labels-idx1-ubyte.gz')).labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(parseIdxLabels(read('mnist/t10k-labels-idx1-ubyte.gz')).labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(parseIdxImages(read('mnist/t10k-images-idx3-ubyte.gz')).count).toBe(100);
  });

  it('accepts gunzipped buffers too', () => {
    const gz = read('mnist/t10k-labels-idx1-ubyte.gz');
    expect(isGzip(gz)).toBe(true);
    const raw = gunzipSync(gz);
    expect(isGzip(raw)).toBe(false);
    expect(parseIdxLabels(raw).labels).toEqual(parseIdxLabels(gz).labels);
  });
});

describe('IDX validation', () => {
  const images = { pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]), count: 1, rows: 2, cols: 3 };

  it('round-trips encode/parse', () => {
    const parsed = parseIdxImages(gzipSync(encodeIdxImages(images)));
    expect(parsed).toEqual(images);
    expect(parseIdxLabels(encodeIdxLabels({ labels: Uint8Array.from([3, 1]), count: 2 }))).toEqual({ labels: Uint8Array.from([3, 1]), count: 2 });
  });

  it('rejects a label file given as images and vice versa', () => {
    const labels = encodeIdxLabels({ labels: Uint8Array.from([3, 1]), count: 2 });
    expect(() => parseIdxImages(labels)).toThrow(/magic number 2049.*expected 2051/);
    expect(() => parseIdxLabels(encodeIdxImages(images))).toThrow(/magic number 2051.*expected 2049/);
  });

  it('rejects truncated or overlong data', () => {
    const buf = encodeIdxImages(images);
    expect(() => parseIdxImages(buf.subarray(0, buf.length - 1))).toThrow(/length 21 does not match header/);
    expect(() => parseIdxImages(Buffer.concat([buf, Buffer.from([0])]))).toThrow(/length 23/);
    expect(() => parseIdxImages(buf.subarray(0, 10))).toThrow(/truncated header/);
    expect(() => parseIdxLabels(Buffer.alloc(0))).toThrow(/truncated header/);
  });

  it('rejects corrupt gzip data', () => {
    const gz = gzipSync(encodeIdxImages(images));
    const bad = Buffer.from(gz.subarray(0, gz.length - 6));
    expect(() => parseIdxImages(bad, 'x.gz')).toThrow(/x\.gz: corrupt gzip data/);
  });
});
