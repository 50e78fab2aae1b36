/**
 * A dilated convolution's kernel as the ordinary kernel it amounts to. A kernel whose taps sit
 * `rate` cells apart is the same as one `(taps - 1) * rate + 1` cells long with `rate - 1` zeros
 * between neighbouring taps, so conv(x, W, dilation d) == conv(x, dilateKernel(W, d), dilation 1),
 * padding `same` included (tfjs pads for the dilated span, which is the larger kernel's size).
 *
 * tfjs has no gradient for a convolution with dilations above 1 on any backend; this form is built
 * from reshape, pad and slice only, whose gradients every backend has, so the gradient reaches W.
 */
import * as tf from '@tensorflow/tfjs';

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Spaces the taps of one axis `rate` apart: [.., taps, ..] -> [.., (taps - 1) * rate + 1, ..]. */
function dilateAxis(kernel: tf.Tensor, axis: number, rate: number): tf.Tensor {
  if (rate === 1) return kernel;
  const shape = kernel.shape;
  const [before, taps, after] = [product(shape.slice(0, axis)), shape[axis], product(shape.slice(axis + 1))];
  const span = (taps - 1) * rate + 1;
  // Each tap followed by rate - 1 zeros, then the zeros after the last tap cut off. Rank 4 at most,
  // which every backend's pad takes.
  const spaced = kernel
    .reshape([before, taps, 1, after])
    .pad([
      [0, 0],
      [0, 0],
      [0, rate - 1],
      [0, 0],
    ])
    .reshape([before, taps * rate, after])
    .slice([0, 0, 0], [before, span, after]);
  return spaced.reshape([...shape.slice(0, axis), span, ...shape.slice(axis + 1)]);
}

/**
 * `kernel` ([k1, .., kn, in, out], n = rates.length spatial axes first, as tfjs lays out
 * convolution and depthwise kernels) with its taps spaced `rates[i]` apart along axis i.
 */
export function dilateKernel(kernel: tf.Tensor, rates: readonly number[]): tf.Tensor {
  if (rates.length > kernel.rank - 2) throw new Error(`dilateKernel: ${rates.length} dilation rates for a rank ${kernel.rank} kernel`);
  return tf.tidy(() => rates.reduce((k, rate, axis) => dilateAxis(k, axis, rate), kernel));
}
