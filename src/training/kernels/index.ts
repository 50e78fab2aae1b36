/**
 * Faster training kernels for the wasm backend: wrappers over tfjs-backend-wasm's own kernels that
 * route the cases training hits onto its fast paths (see each module for what and why). Installed
 * once when the wasm backend is chosen (`initBackend`); every case a wrapper does not improve runs
 * the stock kernel unchanged.
 */
import { conv2DGradAdditions, conv2DGradReplacements } from './conv2d-grad.js';
import { depthwiseGradAdditions } from './depthwise-grad.js';
import { gatherReplacements } from './gather.js';
import { identityReplacements } from './identity.js';
import { matMulReplacements } from './mat-mul.js';
import { maxPoolGradReplacements } from './max-pool-grad.js';
import { reduceReplacements } from './reduce.js';
import { samePaddingReplacements } from './same-padding.js';
import { addKernel, removeKernel, replaceKernel, restoreKernel, type KernelAddition, type KernelReplacement } from './replace-kernel.js';
import { tileReplacements } from './tile.js';

const BACKEND = 'wasm';

/** Every replacement, in the order they are installed. */
export const WASM_TRAINING_KERNELS: readonly KernelReplacement[] = [
  ...matMulReplacements,
  ...gatherReplacements,
  ...tileReplacements,
  ...reduceReplacements,
  ...identityReplacements,
  ...conv2DGradReplacements,
  ...maxPoolGradReplacements,
  ...samePaddingReplacements,
];

/** Kernels tfjs-backend-wasm lacks (convolution gradients), registered beside the replacements. */
export const WASM_ADDED_KERNELS: readonly KernelAddition[] = [...conv2DGradAdditions, ...depthwiseGradAdditions];

/** Replaces the stock wasm kernels by the faster wrappers; safe to call more than once. */
export function installWasmTrainingKernels(): void {
  for (const replacement of WASM_TRAINING_KERNELS) replaceKernel(BACKEND, replacement);
  for (const addition of WASM_ADDED_KERNELS) addKernel(BACKEND, addition);
}

/** Puts tfjs's stock wasm kernels back and unregisters the added ones (benchmarks compare both in one run; tests compare results). */
export function uninstallWasmTrainingKernels(): void {
  for (const { kernelName } of WASM_TRAINING_KERNELS) restoreKernel(BACKEND, kernelName);
  for (const { kernelName } of WASM_ADDED_KERNELS) removeKernel(BACKEND, kernelName);
}
