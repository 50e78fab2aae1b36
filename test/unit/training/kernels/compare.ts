/**
 * Test helpers: run the same computation with the replacement kernels and with tfjs's stock wasm
 * kernels, and check that nothing is left behind (tensors, or buffers on the wasm heap).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { installWasmTrainingKernels, uninstallWasmTrainingKernels } from '../../../../src/training/kernels/index.js';

/** A small deterministic generator, so a failing shape can be reproduced. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** An integer in [lo, hi]. */
export const intIn = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** Buffers the active backend holds (tensors and kernel intermediates alike). */
const dataIds = () => tf.engine().backend.numDataIds();

/** Runs `f` with the replacements, then with the stock kernels; returns both results' values. */
export function withAndWithout(f: () => tf.Tensor): {
  fast: Float32Array | Int32Array | Uint8Array;
  stock: Float32Array | Int32Array | Uint8Array;
  shape: number[];
} {
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = dataIds();
  installWasmTrainingKernels();
  const a = f();
  const fast = a.dataSync() as Float32Array;
  const shape = a.shape;
  a.dispose();
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(dataIds()).toBe(idsBefore);
  uninstallWasmTrainingKernels();
  try {
    const b = f();
    const stock = b.dataSync() as Float32Array;
    expect(b.shape).toEqual(shape);
    b.dispose();
    return { fast, stock, shape };
  } finally {
    installWasmTrainingKernels();
  }
}

/** Element-wise closeness, relative to the magnitude of the values (products sum many terms). */
export function expectClose(fast: ArrayLike<number>, stock: ArrayLike<number>, tolerance = 1e-5): void {
  expect(fast.length).toBe(stock.length);
  let scale = 1;
  for (let i = 0; i < stock.length; i++) scale = Math.max(scale, Math.abs(stock[i]));
  let worst = 0;
  for (let i = 0; i < stock.length; i++) worst = Math.max(worst, Math.abs(fast[i] - stock[i]));
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}
