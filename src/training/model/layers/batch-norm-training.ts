/**
 * Batch normalization in training mode as one differentiable step, with the textbook gradient.
 *
 * tfjs-layers normalizes a training batch through `moments` and `batchNorm`, and the tape then
 * differentiates every piece: the batchNorm gradient with respect to x, mean, variance, gamma and
 * beta, then back through the variance's mean, square and subtraction and the mean's broadcast.
 * Dozens of kernels per layer and step on the whole [batch, features] matrix, most of them
 * element-wise; on the wasm backend at batch 256 they were about a fifth of the BN + ELU network's
 * step. The closed form needs a handful: with x^ = (x - mean) / sqrt(var + eps),
 *   dbeta = sum(dy), dgamma = sum(dy x^), dx = gamma / sqrt(var + eps) / N * (N dy - dbeta - x^ dgamma)
 * (sums over the batch). It is written with ordinary tfjs ops, so it runs on every backend; one
 * forward and backward on [256, 784] costs about half the CPU time of tfjs's on wasm (`npm run bench`,
 * part (e)).
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchMoments {
  /** gamma * x^ + beta, the layer's output. */
  normed: tf.Tensor;
  /**
   * The batch's per-feature mean and (biased, as tfjs's `moments`) variance, for the moving
   * averages. Kept out of every tidy: the caller disposes them.
   */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Normalizes `x` ([rows, features]) with its batch statistics; the gradient flows to `x`, `gamma`
 * and `beta` (mean and variance are outputs for the moving averages only, not differentiated).
 */
export function normalizeBatchFused(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchMoments {
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  // customGrad's type lists its arguments as (Tensor | GradSaveFunc)[]: the last is the save function.
  const step = tf.customGrad(((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const moments = tf.moments(xs, 0);
    // customGrad runs this inside a tidy of its own; the statistics leave it as extra results.
    mean = tf.keep(moments.mean as tf.Tensor1D);
    variance = tf.keep(moments.variance as tf.Tensor1D);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(tf.sub(xs, mean), invStd);
    save([xHat, invStd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, inv, gg] = saved;
        const n = dy.shape[0];
        const dBeta = tf.sum(dy, 0);
        const dGamma = tf.sum(tf.mul(dy, xh), 0);
        const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, n), dBeta), tf.mul(xh, dGamma)), tf.div(tf.mul(gg, inv), n));
        return [dx, dGamma, dBeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const normed = step(x, gamma, beta);
  return { normed, mean: mean!, variance: variance! };
}
