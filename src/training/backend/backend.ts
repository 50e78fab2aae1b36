/**
 * Picks the TensorFlow.js backend the worker trains on.
 *
 * The native bindings are optional dependencies: they are often missing (no prebuilt binary for the
 * platform), so every attempt is guarded and the next backend is tried. Nothing is logged; the caller
 * reports what it got.
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmTrainingKernels } from '../kernels/index.js';
import { wasmThreadsCount, withWasmThreads } from './wasm-threads.js';

/** What the operator asked for (`TF_BACKEND`): `auto` takes the fastest one that loads. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

// Package names live in variables so TypeScript does not try to resolve modules that may not be installed.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Which native package won, remembered for `describeBackend`. */
let nativePackage: string | null = null;

async function tryNative(): Promise<boolean> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) {
        nativePackage = pkg;
        return true;
      }
    } catch {
      // Not installed, or its shared library failed to load (no CUDA, wrong glibc): try the next one.
    }
  }
  return false;
}

async function tryWasm(threads: number): Promise<boolean> {
  const before = processErrorListeners();
  try {
    await import(WASM_PACKAGE);
    // Before setBackend, so the replacements' setup runs with the backend's own.
    installWasmTrainingKernels();
    // setBackend resolves false (rather than throwing) when the module fails to initialise.
    // More than one thread: the threaded build, which only this first setBackend can choose.
    return threads > 1 ? await withWasmThreads(threads, () => tf.setBackend('wasm')) : await tf.setBackend('wasm');
  } catch {
    return false;
  } finally {
    removeListenersAddedSince(before);
  }
}

type ProcessErrorListener = (...args: unknown[]) => void;

function processErrorListeners() {
  return {
    uncaughtException: new Set<unknown>(process.listeners('uncaughtException')),
    unhandledRejection: new Set<unknown>(process.listeners('unhandledRejection')),
  };
}

/**
 * The wasm module's Emscripten glue adds process listeners that rethrow any uncaught error or
 * unhandled rejection (tfjs means to remove them, but its filter keeps them). They would run
 * before the service's own handlers and turn, say, a database connection closed during a stop
 * into exit code 7 and a stack trace. The service handles these events itself.
 */
function removeListenersAddedSince(before: ReturnType<typeof processErrorListeners>): void {
  for (const listener of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener as ProcessErrorListener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener as ProcessErrorListener);
  }
}

/** How the backend is started, beyond which one. */
export interface BackendOptions {
  /** XNNPACK threads on the wasm backend (`WASM_THREADS`); 1, the default, is the single-threaded build. */
  wasmThreads?: number;
}

/**
 * Activates a backend and returns its tfjs name (`tensorflow`, `wasm` or `cpu`).
 * `auto` tries tfjs-node-gpu, tfjs-node, wasm, then cpu; `tensorflow` and `wasm` throw when they cannot load.
 */
export async function initBackend(preference: BackendPreference, options: BackendOptions = {}): Promise<string> {
  const threads = options.wasmThreads ?? 1;
  switch (preference) {
    case 'tensorflow':
      if (!(await tryNative())) {
        throw new Error('TF_BACKEND=tensorflow, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded');
      }
      break;
    case 'wasm':
      if (!(await tryWasm(threads))) throw new Error('TF_BACKEND=wasm, but @tensorflow/tfjs-backend-wasm could not be initialised');
      break;
    case 'cpu':
      await tf.setBackend('cpu');
      break;
    case 'auto':
      if (!(await tryNative()) && !(await tryWasm(threads))) await tf.setBackend('cpu');
      break;
  }
  await tf.ready();
  return tf.getBackend();
}

/** A human-readable description of the active backend, e.g. `tensorflow (tfjs-node-gpu)`, `wasm (simd, 2 threads)`, `cpu`. */
export async function describeBackend(): Promise<string> {
  const name = tf.getBackend();
  if (name === 'tensorflow' && nativePackage) return `tensorflow (${nativePackage.replace('@tensorflow/', '')})`;
  if (name === 'wasm') {
    // Both flags are probed by the wasm backend itself when it initialises.
    const features: string[] = [];
    if (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) features.push('simd');
    if (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) features.push(`${await wasmThreadsCount()} threads`);
    return features.length > 0 ? `wasm (${features.join(', ')})` : 'wasm';
  }
  return name;
}
