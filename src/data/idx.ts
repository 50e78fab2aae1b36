import { gunzipSync } from 'node:zlib';

/** IDX magic number of an image file: unsigned byte data, 3 dimensions. */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic number of a label file: unsigned byte data, 1 dimension. */
export const IDX_LABELS_MAGIC = 2049;

/** Decoded IDX image file: `count` images of `rows` x `cols` uint8 pixels, row-major. */
export interface IdxImages {
  pixels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Decoded IDX label file: one uint8 label per item. */
export interface IdxLabels {
  labels: Uint8Array;
  count: number;
}

/** True when the buffer starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Gunzips the buffer when it is gzip-compressed, otherwise returns it unchanged. */
export function maybeGunzip(buf: Uint8Array, what = 'IDX file'): Uint8Array {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw new Error(`${what}: corrupt gzip data (${(err as Error).message})`);
  }
}

/** Checks the magic number first (the most telling error), then that the whole header is there. */
function header(buf: Uint8Array, words: number, magic: number, kind: string, what: string): DataView {
  if (buf.length < 4) throw new Error(`${what}: truncated header (${buf.length} bytes, need ${words * 4})`);
  // IDX headers are big-endian 32-bit integers; DataView reads big-endian by default.
  const view = new DataView(buf.buffer, buf.byteOffset, Math.min(buf.length, words * 4));
  const found = view.getUint32(0);
  if (found !== magic) throw new Error(`${what}: bad magic number ${found} (expected ${magic} for ${kind})`);
  if (buf.length < words * 4) throw new Error(`${what}: truncated header (${buf.length} bytes, need ${words * 4})`);
  return view;
}

/**
 * Parses an IDX image file (magic 2051), gzipped or not.
 * @throws Error on a wrong magic number or a length that does not match the header.
 */
export function parseIdxImages(input: Uint8Array, what = 'IDX images'): IdxImages {
  const buf = maybeGunzip(input, what);
  const view = header(buf, 4, IDX_IMAGES_MAGIC, 'an image file', what);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  const expected = 16 + count * rows * cols;
  if (buf.length !== expected) {
    throw new Error(`${what}: length ${buf.length} does not match header (${count} x ${rows} x ${cols} needs ${expected} bytes)`);
  }
  // Copy into a plain Uint8Array so the result does not pin a larger gunzip/pool buffer.
  return { pixels: new Uint8Array(buf.subarray(16)), count, rows, cols };
}

/**
 * Parses an IDX label file (magic 2049), gzipped or not.
 * @throws Error on a wrong magic number or a length that does not match the header.
 */
export function parseIdxLabels(input: Uint8Array, what = 'IDX labels'): IdxLabels {
  const buf = maybeGunzip(input, what);
  const view = header(buf, 2, IDX_LABELS_MAGIC, 'a label file', what);
  const count = view.getUint32(4);
  const expected = 8 + count;
  if (buf.length !== expected) {
    throw new Error(`${what}: length ${buf.length} does not match header (${count} labels needs ${expected} bytes)`);
  }
  return { labels: new Uint8Array(buf.subarray(8)), count };
}

/** Encodes images as an (uncompressed) IDX image file; the inverse of {@link parseIdxImages}. */
export function encodeIdxImages(images: IdxImages): Buffer {
  const out = Buffer.alloc(16 + images.pixels.length);
  out.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  out.writeUInt32BE(images.count, 4);
  out.writeUInt32BE(images.rows, 8);
  out.writeUInt32BE(images.cols, 12);
  out.set(images.pixels, 16);
  return out;
}

/** Encodes labels as an (uncompressed) IDX label file; the inverse of {@link parseIdxLabels}. */
export function encodeIdxLabels(labels: IdxLabels): Buffer {
  const out = Buffer.alloc(8 + labels.labels.length);
  out.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  out.writeUInt32BE(labels.count, 4);
  out.set(labels.labels, 8);
  return out;
}
