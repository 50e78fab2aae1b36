import * as tf from '@tensorflow/tfjs';
import { gpuDeviceLost } from './gpu-errors.js';

/**
 * Whether the active backend still computes. After the wasm module aborts (see `isWasmAbort`)
 * (or the GPU device is lost) nothing in this process can train again, so the training process
 * must not take another job.
 */
export async function backendUsable(): Promise<boolean> {
  if (gpuDeviceLost()) return false;
  // Read asynchronously: the webgpu backend cannot read a GPU buffer synchronously in Node.
  const two = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
  try {
    return (await two.data())[0] === 2;
  } catch {
    return false;
  } finally {
    two.dispose();
  }
}
