import * as tf from '@tensorflow/tfjs';

/**
 * Whether the active backend still computes. After the wasm module aborts (see `isWasmAbort`)
 * nothing in this process can train again, so the training process must not take another job.
 */
export function backendUsable(): boolean {
  try {
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
    return true;
  } catch {
    return false;
  }
}
