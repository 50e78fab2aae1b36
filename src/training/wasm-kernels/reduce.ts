/**
 * `Sum` and `Mean` over the leading axes (a batch's per-feature totals) on the wasm backend.
 *
 * Batch normalization's moments and every bias gradient reduce a [batch, features] matrix over the
 * batch. The stock kernels only reduce the innermost axes, so they first transpose the whole
 * matrix, then sum its rows. Adding the rows in place needs no copy and reads memory in order;
 * the values are added in the same order as the stock kernel's, so the results are the same.
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
    const src = heapView(backend, x);
    const dst = heapView(backend, out);
    dst.fill(0);
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      for (let c = 0; c < width; c++) dst[c] += src[base + c];
    }
    if (mean && rows > 0) for (let c = 0; c < width; c++) dst[c] /= rows;
    return out;
  };
}

export const reduceReplacements: KernelReplacement[] = [
  { kernelName: 'Sum', wrap: reduceLeading(false) },
  { kernelName: 'Mean', wrap: reduceLeading(true) },
];
