/**
 * Matrix products on the wasm backend: transposed operands, and the operand XNNPACK packs.
 *
 * tfjs-backend-wasm hands a product to XNNPACK only when neither operand is transposed and both
 * hold a single matrix; otherwise it runs a naive triple loop about ten times slower (on 256x784 by
 * 784x300). Training a Dense layer needs two transposed products per
 * step (dX = dY W^T and dW = X^T dY), so most of a step went there. Transposing the operand first
 * (a copy, a few percent of the product's time) and asking for the plain product takes the XNNPACK
 * path; where that copies and packs less (see PACK_COST), the transposed product is computed
 * instead and transposed back, plain products included (the forward product at batch 32).
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
 * What XNNPACK's packing of its second operand ("weights", k x n) costs per value, relative to one
 * value of an explicit transpose. tfjs creates (and packs) a new operator for every new second
 * operand, and training's weights are new tensors every step; the packing goes through a
 * transposing, scalar path: for a 784x300 kernel at batch 32 it was over half the product's CPU
 * time, three to five times an explicit transpose of the same values (`npm run bench`, part (e)).
 */
export const PACK_COST = 4;

/**
 * Whether to compute the transposed product instead: C = (op(b)^T op(a)^T)^T. The cost counted is
 * the values copied by explicit transposes (the operands that are not already in the needed
 * layout, and the result transposed back) plus the second operand's packing at PACK_COST each.
 * For the forward product X W at batch 32 (m 32, k 784, n 300) that is 940k directly, against 370k
 * the other way round (which packs X^T, 25k values); at batch 256 the direct way is cheaper.
 */
export function transposedIsCheaper(m: number, k: number, n: number, ta: boolean, tb: boolean): boolean {
  const direct = (ta ? m * k : 0) + (tb ? k * n : 0) + PACK_COST * k * n;
  const swapped = (ta ? 0 : m * k) + (tb ? 0 : k * n) + m * n + PACK_COST * m * k;
  return swapped < direct;
}

/** A `_FusedMatMul` that computes nothing but the product (no bias, linear, no PReLU weights). */
function plainProduct(inputs: KernelArgs['inputs'], attrs: KernelArgs['attrs']): boolean {
  const activation = attrs?.activation;
  return !inputs.bias && !inputs.preluActivationWeights && (activation === undefined || activation === 'linear');
}

/**
 * Single-matrix products take XNNPACK's path: the transposes made explicit, or the transposed
 * product computed and transposed back where that copies and packs fewer values (plain products
 * included); batched products go to the stock kernel unchanged. A fused bias or activation would
 * apply along the wrong axis of the transposed result, so a `_FusedMatMul` with one takes the
 * direct way.
 */
function withExplicitTranspose(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { a, b } = inputs;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return stock(args);
    const { m, k, n } = dims(a, b, ta, tb);
    const swap = plainProduct(inputs, attrs) && m * k * n > 0 && transposedIsCheaper(m, k, n, ta, tb);
    if (!ta && !tb && !swap) return stock(args);
    const plain = { ...attrs, transposeA: false, transposeB: false };
    const made: tf.TensorInfo[] = [];
    const explicit = (x: tf.TensorInfo) => {
      const t = transposeLastTwo(x, backend);
      made.push(t);
      return t;
    };
    try {
      if (swap) {
        const cT = stock({ inputs: { ...inputs, a: tb ? b : explicit(b), b: ta ? a : explicit(a) }, backend, attrs: plain }) as tf.TensorInfo;
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
  { kernelName: 'BatchMatMul', wrap: withExplicitTranspose },
  { kernelName: '_FusedMatMul', wrap: withExplicitTranspose },
];

const transposingBatchMatMul = withExplicitTranspose((args) => runStock(BACKEND, 'BatchMatMul', args));

/** `op(a) op(b)` of two matrices ([rows, cols] each) on XNNPACK's path, for other kernels; the result is [m, n]. */
export function matMul(backend: object, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo {
  const as3d = (x: tf.TensorInfo) => ({ ...x, shape: [1, ...x.shape] });
  const product = transposingBatchMatMul({ inputs: { a: as3d(a), b: as3d(b) }, backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
  return { ...product, shape: product.shape.slice(1) };
}
