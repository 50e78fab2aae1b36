/**
 * Faster training kernels for the wasm backend: wrappers over tfjs-backend-wasm's own kernels that
 * route the cases training hits onto its fast paths (see each module for what and why). Installed
 * once when the wasm backend is chosen (`initBackend`); every case a wrapper does not improve runs
 * the stock kernel unchanged.
 */
import { gatherReplacements } from './gather.js';
import { identityReplacements } from './identity.js';
import { matMulReplacements } from './mat-mul.js';
import { reduceReplacements } from './reduce.js';
import { replaceKernel, restoreKernel, type KernelReplacement } from './replace-kernel.js';
import { tileReplacements } from './tile.js';

const BACKEND = 'wasm';

/** Every replacement, in the order they are installed. */
export const WASM_TRAINING_KERNELS: readonly KernelReplacement[] = [
  ...matMulReplacements,
  ...gatherReplacements,
  ...tileReplacements,
  ...reduceReplacements,
  ...identityReplacements,
];

/** Replaces the stock wasm kernels by the faster wrappers; safe to call more than once. */
export function installWasmTrainingKernels(): void {
  for (const replacement of WASM_TRAINING_KERNELS) replaceKernel(BACKEND, replacement);
}

/** Puts tfjs's stock wasm kernels back (benchmarks compare both in one run; tests compare results). */
export function uninstallWasmTrainingKernels(): void {
  for (const { kernelName } of WASM_TRAINING_KERNELS) restoreKernel(BACKEND, kernelName);
}
