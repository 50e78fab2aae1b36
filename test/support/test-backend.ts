/**
 * The backend the unit training tests run on: `TFJS_BACKEND` (`cpu`, `wasm`, `webgpu`, `tensorflow`, `auto`),
 * default `cpu`, tfjs's reference implementation. Run them on another backend to check it trains
 * the same way, e.g. `TFJS_BACKEND=wasm npx vitest run test/unit/training`.
 */
import { initBackend, type BackendPreference } from '../../src/training/backend/backend.js';

const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Activates the backend the tests were asked to run on; returns its tfjs name. */
export async function useTestBackend(): Promise<string> {
  const wanted = process.env.TFJS_BACKEND ?? 'cpu';
  if (!BACKENDS.includes(wanted as BackendPreference)) throw new Error(`TFJS_BACKEND must be one of ${BACKENDS.join(', ')}; got ${wanted}`);
  // WASM_THREADS=2 runs them on the threaded wasm build (the same variable the service reads).
  return initBackend(wanted as BackendPreference, { wasmThreads: Number(process.env.WASM_THREADS ?? 1) });
}
