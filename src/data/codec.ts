import { endianness } from 'node:os';
import { featureSize } from './dataset.js';
import type { Dataset } from './types.js';

/** A dataset as stored: raw little-endian bytes plus the small metadata needed to read them. */
export interface EncodedDataset {
  /** float32 little-endian, samples * product(featureShape) values. */
  features: Buffer;
  /** int32 little-endian, one per sample; null for an unlabeled dataset. */
  labels: Buffer | null;
  featureShape: number[];
  samples: number;
  classes: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A typed array's bytes as little-endian 4-byte values: on a little-endian machine a view of the
 * same memory (no copy: copying a large upload was one more block of the API's event loop), else a
 * byte-swapped copy.
 */
function toLittleEndian(values: Float32Array | Int32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.byteLength);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

/** Reads little-endian 4-byte values into a fresh, aligned ArrayBuffer. */
function fromLittleEndian(bytes: Uint8Array, kind: 'float32' | 'int32'): Float32Array | Int32Array {
  const n = bytes.byteLength / 4;
  const out = kind === 'float32' ? new Float32Array(n) : new Int32Array(n);
  if (LITTLE_ENDIAN) {
    // Buffers from the pool or a file are often not 4-byte aligned, so copy rather than view.
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = kind === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  }
  return out;
}

/**
 * Encodes a dataset as compact binary (float32 LE features, int32 LE labels); exact. On a
 * little-endian machine the bytes share memory with `ds`: do not change `ds` while they are used.
 */
export function encodeDataset(ds: Dataset): EncodedDataset {
  return {
    features: toLittleEndian(ds.features),
    labels: ds.labels ? toLittleEndian(ds.labels) : null,
    featureShape: [...ds.featureShape],
    samples: ds.samples,
    classes: ds.classes,
  };
}

/**
 * Decodes what {@link encodeDataset} produced.
 * @throws Error when the byte lengths or labels do not agree with the metadata (a corrupt store).
 */
export function decodeDataset(encoded: EncodedDataset): Dataset {
  const { featureShape, samples, classes } = encoded;
  const size = featureSize(featureShape);
  if (encoded.features.byteLength !== samples * size * 4) {
    throw new Error(`stored features have ${encoded.features.byteLength} bytes, expected ${samples * size * 4} for ${samples} samples of [${featureShape.join(', ')}]`);
  }
  const features = fromLittleEndian(encoded.features, 'float32') as Float32Array;
  let labels: Int32Array | null = null;
  if (encoded.labels) {
    if (encoded.labels.byteLength !== samples * 4) throw new Error(`stored labels have ${encoded.labels.byteLength} bytes, expected ${samples * 4}`);
    labels = fromLittleEndian(encoded.labels, 'int32') as Int32Array;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) throw new Error(`stored label ${labels[i]} at ${i} is outside 0..${classes - 1}`);
    }
  }
  return { features, labels, featureShape: [...featureShape], samples, classes };
}
