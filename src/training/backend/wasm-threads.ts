/**
 * The wasm backend's threaded build (XNNPACK on several threads) in Node.
 *
 * tfjs-backend-wasm 4.x ships a threaded SIMD build but never uses it in Node, for three reasons,
 * each worked around here for the duration of `tf.setBackend('wasm')` only:
 * - its `WASM_HAS_MULTITHREAD_SUPPORT` flag answers `false` whenever `IS_NODE` (tfjs issue 3830):
 *   the flag is set;
 * - emscripten starts its 8 pthread workers (PTHREAD_POOL_SIZE=8) from a `blob:` URL, which Node's
 *   `worker_threads.Worker` refuses, and sends them the main script as a `Blob`: the module takes
 *   its `Worker` class from `require('worker_threads')` when it is instantiated, so we hand it a
 *   subclass that runs the worker script as code (`eval: true`) and passes the main script's path;
 * - the C++ side caps the thread count at `emscripten_num_logical_cores() / 2` (it assumes two
 *   hyper-threads per core), and in Node that is `os.cpus().length / 2`: 1 where the machine has two
 *   logical cores, whatever `setThreadsCount` asked. `os.cpus()` reports twice the threads asked for
 *   while the module initialises.
 * The pool's workers are `unref`ed by emscripten, so they do not keep a process alive.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);
const PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** The pthread worker's source, escaped the way tfjs escapes it for its Blob. */
function workerSource(): string {
  const { wasmWorkerContents } = require(`${PACKAGE}/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`) as { wasmWorkerContents: string };
  return wasmWorkerContents.replace(/\n/g, '\\n');
}

/** A `worker_threads.Worker` that emscripten's pthread pool can start in Node. */
function pthreadWorkerClass(source: string, mainScript: string): typeof workerThreads.Worker {
  const Base = workerThreads.Worker;
  return class PthreadWorker extends Base {
    constructor(_blobUrl: string | URL, options?: workerThreads.WorkerOptions) {
      super(source, { ...options, eval: true });
    }
    override postMessage(message: unknown, transfer?: readonly workerThreads.TransferListItem[]): void {
      // The `load` message carries the main script as a Blob the worker cannot import; give it the file.
      if (message && typeof message === 'object' && (message as { cmd?: unknown }).cmd === 'load') {
        message = { ...(message as object), urlOrBlob: mainScript };
      }
      super.postMessage(message, transfer);
    }
  };
}

/**
 * Runs `activate` (which must call `tf.setBackend('wasm')` for the first time in this process) so
 * that the wasm backend starts its threaded build with `threads` XNNPACK threads. Returns what
 * `activate` returns; `wasmThreadsCount()` then says how many threads XNNPACK got.
 */
export async function withWasmThreads<T>(threads: number, activate: () => Promise<T>): Promise<T> {
  const wasm = await import(PACKAGE);
  wasm.setThreadsCount(threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const mainScript = require.resolve(`${PACKAGE}/wasm-out/tfjs-backend-wasm-threaded-simd.js`);
  const stock = { Worker: workerThreads.Worker, cpus: os.cpus };
  const cpus = os.cpus();
  (workerThreads as { Worker: typeof workerThreads.Worker }).Worker = pthreadWorkerClass(workerSource(), mainScript);
  os.cpus = () => (cpus.length >= 2 * threads ? cpus : Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]));
  try {
    return await activate();
  } finally {
    (workerThreads as { Worker: typeof workerThreads.Worker }).Worker = stock.Worker;
    os.cpus = stock.cpus;
  }
}

/** How many threads XNNPACK runs on (1 on the single-threaded build); the wasm backend must be active. */
export async function wasmThreadsCount(): Promise<number> {
  const wasm = await import(PACKAGE);
  return wasm.getThreadsCount();
}
