import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTINS } from '../../../src/data/builtin-meta.js';
import { loadBuiltin } from '../../../src/data/builtin.js';
import { clearVerifiedFiles } from '../../../src/data/checksum.js';
import { tarFiles } from '../../../src/data/cifar.js';

const RECORD = 1 + 3 * 1024;

/** A CIFAR record: the label, then the red, green and blue planes; pixel p of plane c is (p + 7c + label) % 256. */
function record(label: number): Uint8Array {
  const out = new Uint8Array(RECORD);
  out[0] = label;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[1 + c * 1024 + p] = (p + 7 * c + label) % 256;
  return out;
}

/** A ustar archive of the given files (the format tar writes; the fields the reader needs). */
function tar(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const header = new Uint8Array(512);
    const put = (text: string, at: number) => header.set(Buffer.from(text, 'ascii'), at);
    put(name, 0);
    put('0000644\0', 100);
    put(`${bytes.length.toString(8).padStart(11, '0')}\0`, 124);
    put('0', 156);
    put('ustar\0', 257);
    put('        ', 148);
    const sum = header.reduce((a, b) => a + b, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, bytes, new Uint8Array((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

/** The official archive's layout, with 2 records in each training batch and 3 in the test batch. */
function archive(): Buffer {
  const batch = (labels: number[]) => Buffer.concat(labels.map(record));
  const files: Record<string, Uint8Array> = {};
  for (let b = 1; b <= 5; b++) files[`cifar-10-batches-bin/data_batch_${b}.bin`] = batch([b, (b + 4) % 10]);
  files['cifar-10-batches-bin/test_batch.bin'] = batch([9, 0, 3]);
  files['cifar-10-batches-bin/batches.meta.txt'] = Buffer.from('airplane\nautomobile\n');
  return gzipSync(tar(files));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cifar-'));
  clearVerifiedFiles();
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('CIFAR-10 from its binary archive', () => {
  it('is pinned to the official archive by SHA-256', () => {
    expect(BUILTINS['cifar-10'].archive?.sha256).toBe('c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd');
    expect(BUILTINS['cifar-10'].featureShape).toEqual([32, 32, 3]);
  });

  it('reads both splits from DATASETS_DIR as channels-last [32, 32, 3] images in [0, 1]', async () => {
    const bytes = archive();
    await mkdir(join(dir, 'cifar-10'));
    await writeFile(join(dir, 'cifar-10', 'cifar-10-binary.tar.gz'), bytes);
    const opts = { datasetsDir: dir, checksums: { 'cifar-10-binary.tar.gz': sha256(bytes) } };
    const train = await loadBuiltin('cifar-10', 'train', opts);
    expect([train.samples, train.classes, train.featureShape]).toEqual([10, 10, [32, 32, 3]]);
    expect(Array.from(train.labels!)).toEqual([1, 5, 2, 6, 3, 7, 4, 8, 5, 9]);
    // Sample 3 (label 6), pixel at row 1, column 2 (p = 34): red 40, green 47, blue 54.
    const at = (3 * 1024 + 34) * 3;
    expect(Array.from(train.features.subarray(at, at + 3)).map((v) => Math.round(v * 255))).toEqual([40, 47, 54]);
    const test = await loadBuiltin('cifar-10', 'test', opts);
    expect(Array.from(test.labels!)).toEqual([9, 0, 3]);
    expect(test.features.length).toBe(3 * 3072);
  });

  it('downloads the archive on first use, checking its SHA-256, and refuses a file that does not match', async () => {
    const bytes = archive();
    const urls: string[] = [];
    const fetchImpl = (async (url: string) => {
      urls.push(String(url));
      return new Response(new Uint8Array(bytes));
    }) as unknown as typeof fetch;
    const good = { datasetsDir: dir, fetchImpl, checksums: { 'cifar-10-binary.tar.gz': sha256(bytes) } };
    expect((await loadBuiltin('cifar-10', 'test', good)).samples).toBe(3);
    expect(urls).toEqual(['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz']);

    const wrong = { ...good, checksums: { 'cifar-10-binary.tar.gz': '0'.repeat(64) } };
    clearVerifiedFiles();
    await expect(loadBuiltin('cifar-10', 'test', wrong)).rejects.toThrow(/does not match its published SHA-256/);
    await rm(join(dir, 'cifar-10'), { recursive: true });
    await expect(loadBuiltin('cifar-10', 'test', wrong)).rejects.toThrow(/SHA-256 [0-9a-f]{64}, expected 0{64}/);
  });

  it('refuses a truncated batch and an archive without the batch files', async () => {
    const truncated = gzipSync(tar({ 'test_batch.bin': record(1).subarray(0, 100) }));
    await mkdir(join(dir, 'cifar-10'));
    await writeFile(join(dir, 'cifar-10', 'cifar-10-binary.tar.gz'), truncated);
    const opts = { datasetsDir: dir, verifyChecksums: false };
    await expect(loadBuiltin('cifar-10', 'test', opts)).rejects.toThrow(/not a whole number of 3073-byte records/);
    await expect(loadBuiltin('cifar-10', 'train', opts)).rejects.toThrow(/holds no data_batch_1.bin/);
    expect(() => tarFiles(new Uint8Array(tar({ a: new Uint8Array(600) }).subarray(0, 1000)))).toThrow(/runs past the end/);
  });
});
