/**
 * Swapping a registered tfjs kernel for a wrapper around it, and back.
 *
 * The wrapper receives the stock kernel function, so it can hand every case it does not improve
 * back to tfjs unchanged; the stock `setupFunc`/`disposeFunc` stay on the config, because tfjs
 * runs them again each time the backend is (re)activated.
 */
import * as tf from '@tensorflow/tfjs';

/** Builds a replacement kernel function from the stock one. */
export type KernelWrapper = (stock: tf.KernelFunc) => tf.KernelFunc;

/** A kernel whose implementation a wrapper improves, on one backend. */
export interface KernelReplacement {
  kernelName: string;
  wrap: KernelWrapper;
}

/** The stock configs replaced so far, by backend and kernel name, so they can be put back. */
const replaced = new Map<string, tf.KernelConfig>();
const key = (backendName: string, kernelName: string) => `${backendName}/${kernelName}`;

/** Registers `wrap(stock)` in place of the stock kernel; a second call for the same kernel is a no-op. */
export function replaceKernel(backendName: string, replacement: KernelReplacement): void {
  const k = key(backendName, replacement.kernelName);
  if (replaced.has(k)) return;
  const stock = tf.getKernel(replacement.kernelName, backendName);
  if (!stock) throw new Error(`kernel ${replacement.kernelName} is not registered for backend ${backendName}`);
  replaced.set(k, stock);
  tf.unregisterKernel(stock.kernelName, backendName);
  tf.registerKernel({ ...stock, kernelFunc: replacement.wrap(stock.kernelFunc) });
}

/** Puts the stock kernel back (for comparisons in tests and benchmarks). */
export function restoreKernel(backendName: string, kernelName: string): void {
  const k = key(backendName, kernelName);
  const stock = replaced.get(k);
  if (!stock) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(stock);
  replaced.delete(k);
}

/** The stock kernel function: the registered one, or the one a replacement wraps. */
export function stockKernel(backendName: string, kernelName: string): tf.KernelFunc {
  const config = replaced.get(key(backendName, kernelName)) ?? tf.getKernel(kernelName, backendName);
  if (!config) throw new Error(`kernel ${kernelName} is not registered for backend ${backendName}`);
  return config.kernelFunc;
}

/** A kernel the backend lacks, registered for it. */
export interface KernelAddition {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
}

/** The kernels registered by `addKernel`, by backend and kernel name. */
const added = new Set<string>();

/** Registers a kernel the backend lacks; where the backend has one of its own (a later tfjs), that one stays. */
export function addKernel(backendName: string, addition: KernelAddition): void {
  const k = key(backendName, addition.kernelName);
  if (added.has(k) || tf.getKernel(addition.kernelName, backendName)) return;
  tf.registerKernel({ kernelName: addition.kernelName, backendName, kernelFunc: addition.kernelFunc });
  added.add(k);
}

/** Unregisters a kernel registered by `addKernel`. */
export function removeKernel(backendName: string, kernelName: string): void {
  const k = key(backendName, kernelName);
  if (!added.has(k)) return;
  tf.unregisterKernel(kernelName, backendName);
  added.delete(k);
}
