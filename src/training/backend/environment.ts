/**
 * What a run records about the software it trained on, so a replay can be matched against it.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend } from './backend.js';

/** The training process's side of a run's `environment`. */
export interface BackendEnvironment {
  /** The TensorFlow.js version. */
  tfjs: string;
  /** The active backend's tfjs name (`cpu`, `wasm`, `tensorflow`, `webgpu`). */
  backend: string;
  /** The backend's own description: wasm's SIMD and thread count, the native package, the GPU adapter. */
  backendDetail: string;
}

/** The environment of the active backend (call after it is initialised). */
export async function backendEnvironment(): Promise<BackendEnvironment> {
  return { tfjs: tf.version.tfjs, backend: tf.getBackend(), backendDetail: await describeBackend() };
}
