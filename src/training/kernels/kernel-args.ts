/**
 * Small helpers shared by the kernel wrappers: calling another stock kernel from inside a kernel,
 * and freeing the intermediate results that never become tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { stockKernel } from './replace-kernel.js';

/** What tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The part of a backend the wrappers use: freeing an intermediate result. */
interface DisposingBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Runs another stock kernel of the same backend with a single output. */
export function runStock(backendName: string, kernelName: string, args: KernelArgs): tf.TensorInfo {
  const out = stockKernel(backendName, kernelName)(args);
  if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs`);
  return out;
}

/** Frees intermediate results made inside a kernel (they are not tensors, so no tidy sees them). */
export function disposeIntermediate(backend: object, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as DisposingBackend).disposeData(info.dataId);
}

/** Number of values in a tensor of this shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Number of matrices in a (batched) matrix operand: the product of all but its last two dimensions. */
export function batchOf(shape: number[]): number {
  return sizeOf(shape.slice(0, -2));
}

/** The part of the wasm backend that allocates outputs and exposes their memory. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Allocates a kernel output on the wasm heap. */
export function makeOutput(backend: object, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  return (backend as HeapBackend).makeOutput(shape, dtype);
}

/**
 * A view of a tensor's values on the wasm heap. Take views only after the last allocation of the
 * kernel: growing the heap detaches the views taken before.
 */
export function heapView(backend: object, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return (backend as HeapBackend).typedArrayFromHeap(info);
}
