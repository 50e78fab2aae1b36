/**
 * `Tile` on the wasm backend as block copies.
 *
 * Batch normalization's gradient tiles its per-feature vectors to the batch's shape; the stock
 * kernel computes every element's source address with divisions in a generic loop. Tiling is
 * repetition of contiguous blocks: starting from the innermost dimension, each row of a dimension
 * (with everything inside it, already tiled) is copied `reps` times.
 */
import type * as tf from '@tensorflow/tfjs';
import { heapView, makeOutput, sizeOf, type KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Writes `x` (shape `shape`) tiled by `reps` into `out`, in place, dimension by dimension from the
 * innermost: after step d, the front of `out` holds the input tiled in dimensions >= d.
 */
export function tileInto(x: Values, shape: number[], reps: number[], out: Values): void {
  out.set(x, 0);
  let inner = 1; // size of everything below dimension d, already tiled
  for (let d = shape.length - 1; d >= 0; d--) {
    const rowLen = shape[d] * inner; // one row of dimension d before tiling it
    const tiledRow = rowLen * reps[d];
    // Rows move from the back, so none is overwritten before it is copied.
    for (let g = sizeOf(shape.slice(0, d)) - 1; g >= 0; g--) {
      const from = g * rowLen;
      const to = g * tiledRow;
      if (from !== to) out.copyWithin(to, from, from + rowLen);
      for (let r = 1; r < reps[d]; r++) out.copyWithin(to + r * rowLen, to, to + rowLen);
    }
    inner = tiledRow;
  }
}

function tileByCopy(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs;
    const reps = attrs.reps as number[] | undefined;
    if (!x || !reps || reps.length !== x.shape.length || x.dtype === 'string') return stock(args);
    const out = makeOutput(
      backend,
      x.shape.map((s, i) => s * reps[i]),
      x.dtype,
    );
    if (out.shape.includes(0)) return out;
    tileInto(heapView(backend, x), x.shape, reps, heapView(backend, out));
    return out;
  };
}

export const tileReplacements: KernelReplacement[] = [{ kernelName: 'Tile', wrap: tileByCopy }];
