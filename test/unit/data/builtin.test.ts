import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTINS, BUILTIN_NAMES, isBuiltinName } from '../../../src/data/builtin-meta.js';
import { loadBuiltin } from '../../../src/data/builtin.js';
import { clearVerifiedFiles, md5Bytes } from '../../../src/data/checksum.js';
import { parseIdxImages } from '../../../src/data/idx.js';
import { FIXTURES_DIR } from './fixtures.js';

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

async function fixtureChecksums(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of FILES) out[f] = md5Bytes(await readFile(join(FIXTURES_DIR, name, f)));
  return out;
}

/** A fetch that serves the fixture files by their base name and records the URLs asked for. */
function fakeFetch(name: string, status = 200) {
  const urls: string[] = [];
  const impl = (async (input: string | URL | Request) => {
    const url = String(input);
    urls.push(url);
    if (status !== 200) return new Response('nope', { status, statusText: 'Not Found' });
    const bytes = await readFile(join(FIXTURES_DIR, name, url.slice(url.lastIndexOf('/') + 1)));
    return new Response(bytes);
  }) as typeof fetch;
  return { impl, urls };
}

const noFetch = (async () => {
  throw new Error('network used');
}) as typeof fetch;

describe('BUILTINS metadata', () => {
  it('describes both datasets without loading anything', () => {
    expect(BUILTIN_NAMES.sort()).toEqual(['cifar-10', 'fashion-mnist', 'mnist']);
    expect(BUILTINS['fashion-mnist'].featureShape).toEqual([28, 28]);
    expect(BUILTINS['fashion-mnist'].classNames[9]).toBe('Ankle boot');
    expect(BUILTINS.mnist.classNames).toHaveLength(10);
    expect(BUILTINS.mnist.md5['train-images-idx3-ubyte.gz']).toBe('f68b3c2dcbeaaa9fbdd348bbdeb94873');
    expect(isBuiltinName('mnist')).toBe(true);
    expect(isBuiltinName('toString')).toBe(false);
  });
});

describe('loadBuiltin from the fixtures', () => {
  it('loads Fashion-MNIST train scaled to [0, 1]', async () => {
    const ds = await loadBuiltin('fashion-mnist', 'train', { datasetsDir: FIXTURES_DIR, verifyChecksums: false, fetchImpl: noFetch });
    expect(ds.samples).toBe(1200);
    expect(ds.featureShape).toEqual([28, 28]);
    expect(ds.classes).toBe(10);
    expect(ds.features).toBeInstanceOf(Float32Array);
    expect(ds.features.length).toBe(1200 * 784);
    expect(Array.from(ds.labels!.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const raw = parseIdxImages(await readFile(join(FIXTURES_DIR, 'fashion-mnist/train-images-idx3-ubyte.gz')));
    let maxIndex = 0;
    for (let i = 0; i < raw.pixels.length; i++) if (raw.pixels[i] > raw.pixels[maxIndex]) maxIndex = i;
    expect(ds.features[maxIndex]).toBeCloseTo(raw.pixels[maxIndex] / 255, 6);
    expect(ds.features[500]).toBeCloseTo(raw.pixels[500] / 255, 6);
    expect(Math.min(...ds.features.subarray(0, 784))).toBe(0);
    expect(Math.max(...ds.features.subarray(0, 784))).toBeLessThanOrEqual(1);
  });

  it('loads MNIST test', async () => {
    const ds = await loadBuiltin('mnist', 'test', { datasetsDir: FIXTURES_DIR, verifyChecksums: false, fetchImpl: noFetch });
    expect(ds.samples).toBe(100);
    expect(Array.from(ds.labels!.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('refuses the fixtures against the published checksums (default verification)', async () => {
    clearVerifiedFiles();
    await expect(loadBuiltin('mnist', 'test', { datasetsDir: FIXTURES_DIR, fetchImpl: noFetch })).rejects.toThrow(/does not match its published MD5/);
    // The committed fixtures must never be deleted by a failed check.
    expect(existsSync(join(FIXTURES_DIR, 'mnist/t10k-images-idx3-ubyte.gz'))).toBe(true);
  });
});

describe('loadBuiltin downloads', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'data-builtin-'));
    clearVerifiedFiles();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads missing files from the official source, verifies and keeps them', async () => {
    const { impl, urls } = fakeFetch('fashion-mnist');
    const checksums = await fixtureChecksums('fashion-mnist');
    const ds = await loadBuiltin('fashion-mnist', 'test', { datasetsDir: dir, fetchImpl: impl, checksums });
    expect(ds.samples).toBe(400);
    expect(Array.from(ds.labels!.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(urls.sort()).toEqual([
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz',
    ]);
    expect(await readdir(join(dir, 'fashion-mnist'))).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    expect(md5Bytes(await readFile(join(dir, 'fashion-mnist/t10k-images-idx3-ubyte.gz')))).toBe(checksums['t10k-images-idx3-ubyte.gz']);

    // Second load: files exist and verify, so the network is not touched.
    const again = await loadBuiltin('fashion-mnist', 'test', { datasetsDir: dir, fetchImpl: noFetch, checksums });
    expect(again.labels).toEqual(ds.labels);
  });

  it('uses the torchvision mirror for MNIST', async () => {
    const { impl, urls } = fakeFetch('mnist');
    await loadBuiltin('mnist', 'train', { datasetsDir: dir, fetchImpl: impl, checksums: await fixtureChecksums('mnist') });
    expect(urls).toContain('https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz');
  });

  it('deletes a download whose MD5 does not match and throws', async () => {
    const { impl } = fakeFetch('mnist');
    // No override: the fixture bytes cannot match the published MD5s.
    await expect(loadBuiltin('mnist', 'test', { datasetsDir: dir, fetchImpl: impl })).rejects.toThrow(/has MD5 [0-9a-f]{32}, expected (9fb629c4189551a2d022fa330f9573f3|ec29112dd5afa0611ce80d1b7f02629c); the file was deleted/);
    // Neither the file nor a temp file is left behind.
    expect(await readdir(join(dir, 'mnist'))).toEqual([]);
  });

  it('still checks downloads when verifyChecksums is false', async () => {
    const { impl } = fakeFetch('mnist');
    const checksums = { ...(await fixtureChecksums('mnist')), 't10k-labels-idx1-ubyte.gz': '0'.repeat(32) };
    await expect(loadBuiltin('mnist', 'test', { datasetsDir: dir, fetchImpl: impl, checksums, verifyChecksums: false })).rejects.toThrow(/expected 0{32}/);
    expect(existsSync(join(dir, 'mnist/t10k-labels-idx1-ubyte.gz'))).toBe(false);
  });

  it('reports HTTP errors', async () => {
    const { impl } = fakeFetch('mnist', 404);
    await expect(loadBuiltin('mnist', 'test', { datasetsDir: dir, fetchImpl: impl })).rejects.toThrow(/HTTP 404/);
  });

  it('names DATASETS_DIR and the folder to fill when the download fails (offline)', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const err = await loadBuiltin('mnist', 'test', { datasetsDir: dir, fetchImpl: offline }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/fetch failed/);
    expect((err as Error).message).toContain(`DATASETS_DIR (${dir})`);
    expect((err as Error).message).toContain(join(dir, 'mnist'));
  });

  it('verifies existing files once per path+size+mtime, and rejects a mismatch without deleting', async () => {
    await cp(join(FIXTURES_DIR, 'mnist'), join(dir, 'mnist'), { recursive: true });
    const checksums = await fixtureChecksums('mnist');
    const opts = { datasetsDir: dir, fetchImpl: noFetch, checksums };
    const labelsPath = join(dir, 'mnist/t10k-labels-idx1-ubyte.gz');
    // Whole seconds: utimes cannot restore a sub-millisecond mtime exactly.
    const mtime = 1_700_000_000;
    await utimes(labelsPath, mtime, mtime);
    await loadBuiltin('mnist', 'test', opts);

    // Change one byte but keep size and mtime: the cached verdict is reused (no re-hash).
    const before = await stat(labelsPath);
    const bytes = await readFile(labelsPath);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 0xff; // gzip ISIZE trailer byte: the hash changes
    await writeFile(labelsPath, tampered);
    await utimes(labelsPath, mtime, mtime);
    expect((await stat(labelsPath)).size).toBe(before.size);
    expect(md5Bytes(tampered)).not.toBe(checksums['t10k-labels-idx1-ubyte.gz']);
    await expect(loadBuiltin('mnist', 'test', { ...opts, verifyChecksums: true })).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: corrupt gzip data/); // only gunzip notices: no re-hash
    // A new mtime makes it check again, and the mismatch is reported; the file stays.
    await utimes(labelsPath, mtime + 5, mtime + 5);
    await expect(loadBuiltin('mnist', 'test', opts)).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz does not match its published MD5/);
    expect(existsSync(labelsPath)).toBe(true);
  });
});
