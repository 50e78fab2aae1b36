/**
 * `GatherV2` (rows picked by index) on the wasm backend as block copies.
 *
 * `model.fit` gathers every batch out of the whole training set, and the stock kernel computes
 * each element's address through the generic strided loop: at batch 256 on 784 features it took
 * longer than the batch's matrix products. The values picked are contiguous runs (everything
 * after the gathered axis), so each is one `TypedArray.set` (a memcpy).
 */
import type * as tf from '@tensorflow/tfjs';
import { disposeIntermediate, heapView, makeOutput, sizeOf, type KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

function gatherByCopy(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, indices } = inputs;
    const batchDims = Number(attrs.batchDims ?? 0);
    if (!x || !indices || batchDims !== 0 || x.dtype === 'string' || indices.dtype !== 'int32') return stock(args);
    const rawAxis = Number(Array.isArray(attrs.axis) ? attrs.axis[0] : (attrs.axis ?? 0));
    const axis = rawAxis < 0 ? rawAxis + x.shape.length : rawAxis;
    if (!(axis >= 0 && axis < x.shape.length)) return stock(args);
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const count = sizeOf(indices.shape);
    const out = makeOutput(backend, [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    const idx = heapView(backend, indices);
    for (let i = 0; i < count; i++) {
      if (!(idx[i] >= 0 && idx[i] <= dim - 1)) {
        disposeIntermediate(backend, out);
        throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dim - 1}]`);
      }
    }
    if (out.shape.includes(0)) return out;
    const src = heapView(backend, x);
    const dst = heapView(backend, out);
    for (let o = 0; o < outer; o++) {
      const srcBase = o * dim * inner;
      const dstBase = o * count * inner;
      for (let i = 0; i < count; i++) {
        const from = srcBase + idx[i] * inner;
        dst.set(src.subarray(from, from + inner), dstBase + i * inner);
      }
    }
    return out;
  };
}

export const gatherReplacements: KernelReplacement[] = [{ kernelName: 'GatherV2', wrap: gatherByCopy }];
