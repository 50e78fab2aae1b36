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
import { WEBGPU_REFUSALS, describeWebgpu, tryWebgpu, webgpuAdapter } from './webgpu.js';

/** What the operator asked for (`TFJS_BACKEND`): `auto` takes the fastest one that loads. */
export type BackendPreference = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

// Package names live in variables so TypeScript does not try to resolve modules that may not be installed.
const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const NATIVE_PACKAGES = [GPU_PACKAGE, '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Which native package won, remembered for `describeBackend`. */
let nativePackage: string | null = null;

async function tryNative(packages: readonly string[] = NATIVE_PACKAGES): Promise<boolean> {
  for (const pkg of packages) {
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
 * Activates a backend and returns its tfjs name (`tensorflow`, `webgpu`, `wasm` or `cpu`).
 * `auto` tries tfjs-node-gpu, WebGPU on a hardware adapter, tfjs-node, wasm, then cpu; the others
 * throw when they cannot load. Only `webgpu` by name takes a fallback (CPU-emulated) adapter.
 */
export async function initBackend(preference: BackendPreference, options: BackendOptions = {}): Promise<string> {
  const threads = options.wasmThreads ?? 1;
  switch (preference) {
    case 'tensorflow':
      if (!(await tryNative())) {
        throw new Error('TFJS_BACKEND=tensorflow, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded');
      }
      break;
    case 'webgpu': {
      const outcome = await tryWebgpu(true);
      if (outcome !== true) throw new Error(`TFJS_BACKEND=webgpu, but ${WEBGPU_REFUSALS[outcome]}`);
      break;
    }
    case 'wasm':
      if (!(await tryWasm(threads))) throw new Error('TFJS_BACKEND=wasm, but @tensorflow/tfjs-backend-wasm could not be initialised');
      break;
    case 'cpu':
      await tf.setBackend('cpu');
      break;
    case 'auto':
      if (await tryNative([GPU_PACKAGE])) break;
      if ((await tryWebgpu(false)) === true) break;
      if (!(await tryNative(NATIVE_PACKAGES.slice(1))) && !(await tryWasm(threads))) await tf.setBackend('cpu');
      break;
  }
  await tf.ready();
  return tf.getBackend();
}

/**
 * A human-readable description of the active backend, e.g. `tensorflow (tfjs-node-gpu)`,
 * `webgpu (nvidia, ampere: NVIDIA A100 ...)`, `wasm (simd, 2 threads)`, `cpu`.
 */
export async function describeBackend(): Promise<string> {
  const name = tf.getBackend();
  const adapter = webgpuAdapter();
  if (name === 'webgpu' && adapter) return describeWebgpu(adapter);
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
