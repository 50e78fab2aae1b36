/**
 * Predict inputs packed for the trip from a worker thread to the API: every row's numbers in one
 * Float32Array (moved, not copied), with what the shape check needs per row. A data thread
 * parses and packs the body (its `parsePredictBody` task); the API, once it knows the
 * model's sample shape, checks the rows against it (`flattenPacked`) without walking a
 * million-element array on its event loop. No tfjs here: data threads load this module.
 */
import { FLOAT32_MAX } from '../../data/float32.js';
import { SpecError } from '../../core/problems.js';

export interface PackedRows {
  count: number;
  /** Every row's numbers, each row flattened, in order. */
  values: Float32Array;
  /** Row i's numbers are values[offsets[i] .. offsets[i + 1]). */
  offsets: Uint32Array;
  /** Row i's own length (its elements, numbers or arrays). */
  lengths: Uint32Array;
  /** 1 where row i holds arrays. */
  nested: Uint8Array;
  /** The rows holding a value float32 cannot take (or a non-number), with the first such value. */
  bad: Array<{ row: number; value: unknown }>;
}

/** The ArrayBuffers of a packing, to move them to another thread. */
export const packedBuffers = (p: PackedRows): ArrayBuffer[] => [p.values.buffer, p.offsets.buffer, p.lengths.buffer, p.nested.buffer] as ArrayBuffer[];

const fits = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX;

/** Packs rows of numbers or of number arrays (deeper arrays are flattened whole). */
export function packRows(inputs: unknown[]): PackedRows {
  const count = inputs.length;
  const offsets = new Uint32Array(count + 1);
  const lengths = new Uint32Array(count);
  const nested = new Uint8Array(count);
  const flatRows: unknown[][] = new Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const row = inputs[i];
    const items = Array.isArray(row) ? row : [row];
    lengths[i] = items.length;
    nested[i] = items.some(Array.isArray) ? 1 : 0;
    flatRows[i] = nested[i] ? (items.flat(Infinity) as unknown[]) : items;
    offsets[i] = total;
    total += flatRows[i].length;
  }
  offsets[count] = total;
  const values = new Float32Array(total);
  const bad: PackedRows['bad'] = [];
  for (let i = 0; i < count; i++) {
    const flat = flatRows[i];
    const at = offsets[i];
    for (let j = 0; j < flat.length; j++) {
      const v = flat[j];
      if (!fits(v)) {
        bad.push({ row: i, value: v });
        break;
      }
      values[at + j] = v;
    }
  }
  return { count, values, offsets, lengths, nested, bad };
}

/**
 * The rows as one Float32Array of samples of `sampleShape`, or a 400 naming the rows that do not
 * fit (a row of the wrong shape, a value float32 cannot hold); at most 10 named.
 */
export function flattenPacked(p: PackedRows, sampleShape: number[], path = '/inputs'): Float32Array {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const badValue = new Map(p.bad.map((b) => [b.row, b.value]));
  const problems: { path: string; message: string }[] = [];
  for (let i = 0; i < p.count; i++) {
    const shapeOk = sampleShape.length === 1 ? p.nested[i] === 0 : p.lengths[i] === sampleShape[0];
    if (!shapeOk || p.offsets[i + 1] - p.offsets[i] !== size) {
      problems.push({ path: `${path}/${i}`, message: `expected a sample of shape [${sampleShape}] (${size} numbers)` });
    } else if (badValue.has(i)) {
      problems.push({
        path: `${path}/${i}`,
        message: `every value must be a finite number within float32 range (|x| <= ${FLOAT32_MAX}); got ${JSON.stringify(badValue.get(i))}`,
      });
    }
  }
  if (problems.length > 0) throw new SpecError(`inputs do not fit the model: ${problems[0].path}: ${problems[0].message}`, problems.slice(0, 10));
  // Every row has exactly `size` numbers, in order: the packed values are the samples.
  return p.values.length === p.count * size ? p.values : p.values.slice(0, p.count * size);
}
