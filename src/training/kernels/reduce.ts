/**
 * `Sum` and `Mean` over the leading axes (a batch's per-feature totals) on the wasm backend.
 *
 * Batch normalization's moments and every bias gradient reduce a [batch, features] matrix over the
 * batch. The stock kernels only reduce the innermost axes, so they first transpose the whole
 * matrix, then sum its rows. Adding the rows in place (four at a time, see `sumRows`) needs no copy
 * and reads memory in order; the values are added in the same order as the stock kernel's, so the
 * results are the same.
 */
import type * as tf from '@tensorflow/tfjs';
import { heapView, makeOutput, sizeOf, type KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

/** How many leading axes `axis` names, when it names exactly the leading axes and not all of them; else 0. */
export function leadingAxes(axis: number | number[] | undefined, rank: number): number {
  if (axis === undefined) return 0;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/**
 * `dst[c]` = the sum over `rows` of `src[r * width + c]`, added row by row in float32 as the stock
 * kernel adds them (`Math.fround` after every addition, so the results are the same to the bit).
 * Four rows per pass over `dst`: a quarter of the loads and stores of `dst`, which made the plain
 * loop about a fifth slower than the stock kernel's transpose-then-sum on 256x784.
 */
export function sumRows(src: Float32Array, dst: Float32Array, rows: number, width: number): void {
  dst.fill(0);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * width;
    const b1 = b0 + width;
    const b2 = b1 + width;
    const b3 = b2 + width;
    for (let c = 0; c < width; c++) {
      const s01 = Math.fround(Math.fround(dst[c] + src[b0 + c]) + src[b1 + c]);
      dst[c] = Math.fround(Math.fround(s01 + src[b2 + c]) + src[b3 + c]);
    }
  }
  for (; r < rows; r++) {
    const b0 = r * width;
    for (let c = 0; c < width; c++) dst[c] += src[b0 + c];
  }
}

function reduceLeading(mean: boolean): (stock: tf.KernelFunc) => tf.KernelFunc {
  return (stock) => (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs;
    if (!x || x.dtype !== 'float32') return stock(args);
    const k = leadingAxes(attrs.axis as number | number[] | undefined, x.shape.length);
    if (k === 0) return stock(args);
    const rows = sizeOf(x.shape.slice(0, k));
    const kept = x.shape.slice(k);
    const width = sizeOf(kept);
    const out = makeOutput(backend, attrs.keepDims === true ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept, 'float32');
    sumRows(heapView(backend, x) as Float32Array, heapView(backend, out) as Float32Array, rows, width);
    const dst = heapView(backend, out) as Float32Array;
    // The mean of no rows stays 0, as on the cpu backend.
    if (mean && rows > 0) for (let c = 0; c < width; c++) dst[c] /= rows;
    return out;
  };
}

export const reduceReplacements: KernelReplacement[] = [
  { kernelName: 'Sum', wrap: reduceLeading(false) },
  { kernelName: 'Mean', wrap: reduceLeading(true) },
];
