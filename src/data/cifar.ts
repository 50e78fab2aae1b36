/**
 * CIFAR's binary version: a tar.gz of batch files, each a run of 3,073-byte records (one label
 * byte, then the 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, rows top to bottom).
 * Read into channels-last [32, 32, 3] samples scaled to [0, 1], as Keras's `cifar10.load_data`
 * gives them.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { BuiltinInfo } from './builtin-meta.js';
import type { BuiltinSplit, Dataset } from './types.js';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const RECORD = 1 + 3 * PIXELS;
const BLOCK = 512;

/** The regular files of a tar archive, by their base name. */
export function tarFiles(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, length: number) => {
    const bytes = tar.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
  };
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const name = text(offset, 100);
    if (name === '') break; // the two zero blocks that end the archive
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`tar entry ${name}: bad size field`);
    const type = String.fromCharCode(tar[offset + 156]);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new Error(`tar entry ${name} runs past the end of the archive`);
    if (type === '0' || type === '\0') files.set(name.slice(name.lastIndexOf('/') + 1), tar.subarray(start, start + size));
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

/** Decodes concatenated CIFAR records into channels-last float pixels and labels. */
export function parseCifarBatches(batches: readonly Uint8Array[], classes: number, source: string): Dataset {
  const samples = batches.reduce((n, b) => n + b.length / RECORD, 0);
  const features = new Float32Array(samples * 3 * PIXELS);
  const labels = new Int32Array(samples);
  let sample = 0;
  for (const batch of batches) {
    if (batch.length % RECORD !== 0) throw new Error(`${source}: a batch of ${batch.length} bytes is not a whole number of ${RECORD}-byte records`);
    for (let r = 0; r < batch.length; r += RECORD, sample++) {
      const label = batch[r];
      if (label >= classes) throw new Error(`${source}: label ${label} of sample ${sample} is out of range 0..${classes - 1}`);
      labels[sample] = label;
      const out = sample * 3 * PIXELS;
      // Planes (R, G, B) to interleaved pixels (RGB RGB ...).
      for (let c = 0; c < 3; c++) {
        const plane = r + 1 + c * PIXELS;
        for (let p = 0; p < PIXELS; p++) features[out + p * 3 + c] = batch[plane + p] / 255;
      }
    }
  }
  return { features, labels, featureShape: [SIDE, SIDE, 3], samples, classes };
}

/** Reads one split of a CIFAR archive at `path` (already verified). */
export async function loadCifar(path: string, info: BuiltinInfo, split: BuiltinSplit): Promise<Dataset> {
  const archive = info.archive;
  if (!archive) throw new Error('not a CIFAR dataset');
  const tar = new Uint8Array(await promisify(gunzip)(await readFile(path)));
  const files = tarFiles(tar);
  const batches = archive.batches[split].map((name) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`${path} holds no ${name}`);
    return bytes;
  });
  return parseCifarBatches(batches, info.classes, path);
}
