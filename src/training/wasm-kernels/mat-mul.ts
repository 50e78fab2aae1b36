/**
 * Matrix products with a transposed operand, made fast on the wasm backend.
 *
 * tfjs-backend-wasm hands a product to XNNPACK only when neither operand is transposed and both
 * hold a single matrix; otherwise it runs a naive triple loop about ten times slower (2 GFLOP/s
 * against 23 on 256x784 by 784x300 here). Training a Dense layer needs two transposed products per
 * step (dX = dY W^T and dW = X^T dY), so most of a step went there. Transposing the operand first
 * (a copy, a few percent of the product's time) and asking for the plain product takes the XNNPACK
 * path; where that copies less, the transposed product is computed instead and transposed back.
 * Batched products (several matrices) take the naive loop either way and are left alone.
 */
import { batchOf, disposeIntermediate, runStock, type KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';
import type * as tf from '@tensorflow/tfjs';

const BACKEND = 'wasm';

/** Swaps the last two dimensions of a matrix operand into a new buffer. */
function transposeLastTwo(x: tf.TensorInfo, backend: object): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runStock(BACKEND, 'Transpose', { inputs: { x }, backend, attrs: { perm } });
}

/** Operand sizes of `op(a) op(b)` = [m, k] x [k, n]. */
function dims(a: tf.TensorInfo, b: tf.TensorInfo, ta: boolean, tb: boolean): { m: number; k: number; n: number } {
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  return { m: ta ? a1 : a0, k: ta ? a0 : a1, n: tb ? b0 : b1 };
}

/**
 * Whether to compute the transposed product instead: C = (op(b)^T op(a)^T)^T. XNNPACK repacks its
 * second operand ("weights", k x n) on every call with a new one, so the values copied are
 * (transposes made explicit) + (the second operand) [+ the result, transposed back]. For
 * dX = dY W^T at batch 32 that is 2 x 235k values directly, against 45k the other way round.
 */
export function transposedIsCheaper(m: number, k: number, n: number, ta: boolean, tb: boolean): boolean {
  const direct = (ta ? m * k : 0) + (tb ? k * n : 0) + k * n;
  const swapped = (ta ? 0 : m * k) + (tb ? 0 : k * n) + m * k + m * n;
  return swapped < direct;
}

/**
 * Single-matrix products with a transposed operand become plain products (which XNNPACK runs),
 * with the transposes made explicit; batched products go to the stock kernel unchanged.
 * `swappable`: the kernel computes nothing but the product (BatchMatMul), so the transposed product
 * may be computed instead when that copies fewer values; a fused bias or activation would apply
 * along the wrong axis of the transposed result, so `_FusedMatMul` always takes the direct way.
 */
function withExplicitTranspose(swappable: boolean): (stock: tf.KernelFunc) => tf.KernelFunc {
  return (stock) => (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { a, b } = inputs;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (!a || !b || (!ta && !tb) || batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return stock(args);
    const plain = { ...attrs, transposeA: false, transposeB: false };
    const { m, k, n } = dims(a, b, ta, tb);
    const made: tf.TensorInfo[] = [];
    const explicit = (x: tf.TensorInfo) => {
      const t = transposeLastTwo(x, backend);
      made.push(t);
      return t;
    };
    try {
      if (swappable && transposedIsCheaper(m, k, n, ta, tb)) {
        const cT = stock({ inputs: { a: tb ? b : explicit(b), b: ta ? a : explicit(a) }, backend, attrs: plain }) as tf.TensorInfo;
        made.push(cT);
        return transposeLastTwo(cT, backend);
      }
      return stock({ inputs: { ...inputs, a: ta ? explicit(a) : a, b: tb ? explicit(b) : b }, backend, attrs: plain });
    } finally {
      disposeIntermediate(backend, ...made);
    }
  };
}

export const matMulReplacements: KernelReplacement[] = [
  { kernelName: 'BatchMatMul', wrap: withExplicitTranspose(true) },
  { kernelName: '_FusedMatMul', wrap: withExplicitTranspose(false) },
];
