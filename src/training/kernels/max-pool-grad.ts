/**
 * `MaxPoolGrad` on the wasm backend as one pass over the pooling windows.
 *
 * Each window's gradient goes to the input position that held the window's maximum (the first
 * one in row-major order on ties, as tfjs's cpu backend picks it). The stock kernel took about a
 * third of a small convolutional network's training step, more than either convolution's gradient;
 * this walks each window once, channels innermost (contiguous in memory), keeping every channel's
 * running maximum in small arrays.
 */
import * as tf from '@tensorflow/tfjs';
import { heapView, makeOutput, type KernelArgs } from './kernel-args.js';
import type { KernelReplacement } from './replace-kernel.js';

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

/** Adds each window's `dy` to `dx` at the position of the window's maximum in `x` (all [batch, h, w, c]); `dx` is zeroed first. */
export function maxPoolBackprop(x: Float32Array, dy: Float32Array, info: PoolInfo, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * c;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++, dyAt += c) {
        const x0 = ox * strideWidth - left;
        let first = true;
        for (let fy = 0; fy < fh; fy += dilationHeight) {
          const iy = y0 + fy;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < fw; fx += dilationWidth) {
            const ix = x0 + fx;
            if (ix < 0 || ix >= inWidth) continue;
            const at = image + (iy * inWidth + ix) * c;
            if (first) seed(x, at, c, best, where);
            else keepLarger(x, at, c, best, where);
            first = false;
          }
        }
        if (!first) for (let k = 0; k < c; k++) dx[where[k]] += dy[dyAt + k];
      }
    }
  }
}

/** The first tap of a window: its values are the maxima so far. */
function seed(x: Float32Array, at: number, c: number, best: Float32Array, where: Int32Array): void {
  for (let k = 0; k < c; k++) {
    best[k] = x[at + k];
    where[k] = at + k;
  }
}

/**
 * A later tap: strictly larger values take over, so the first maximum wins ties. Written as
 * selects rather than an `if`: which tap holds a maximum is a coin toss the branch predictor loses.
 */
function keepLarger(x: Float32Array, at: number, c: number, best: Float32Array, where: Int32Array): void {
  for (let k = 0; k < c; k++) {
    const v = x[at + k];
    const b = best[k];
    const larger = v > b;
    best[k] = larger ? v : b;
    where[k] = larger ? at + k : where[k];
  }
}

/**
 * The same for windows that do not overlap (stride at least the window, no dilation: pooling's
 * usual 2x2 at stride 2), from the forward output `y`: each input position gets dy where it
 * equals its window's maximum and no earlier tap of the window did. Arithmetic instead of
 * branches, since which tap holds a maximum is a coin toss the branch predictor loses; every
 * position lies in at most one window, so each is written once.
 */
export function maxPoolBackpropDisjoint(x: Float32Array, y: Float32Array, dy: Float32Array, info: PoolInfo, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  const open = new Float32Array(c);
  let yAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * c;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++, yAt += c) {
        const x0 = ox * strideWidth - left;
        open.fill(1);
        for (let iy = Math.max(0, y0); iy < Math.min(inHeight, y0 + fh); iy++) {
          for (let ix = Math.max(0, x0); ix < Math.min(inWidth, x0 + fw); ix++) {
            const at = image + (iy * inWidth + ix) * c;
            for (let k = 0; k < c; k++) {
              const hit = +(x[at + k] === y[yAt + k]) * open[k];
              dx[at + k] = hit * dy[yAt + k];
              open[k] -= hit;
            }
          }
        }
      }
    }
  }
}

function fastMaxPoolGrad(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, input, output } = inputs;
    if (!dy || !input || input.dtype !== 'float32' || input.shape.length !== 4) return stock(args);
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: Parameters<typeof tf.backend_util.computePool2DInfo>[4];
      dimRoundingMode?: Parameters<typeof tf.backend_util.computePool2DInfo>[5];
    };
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const dx = makeOutput(backend, input.shape, 'float32');
    const [xv, dyv, dxv] = [input, dy, dx].map((t) => heapView(backend, t) as Float32Array);
    const disjoint = output && info.strideHeight >= info.filterHeight && info.strideWidth >= info.filterWidth;
    if (disjoint) maxPoolBackpropDisjoint(xv, heapView(backend, output) as Float32Array, dyv, info, dxv);
    else maxPoolBackprop(xv, dyv, info, dxv);
    return dx;
  };
}

export const maxPoolGradReplacements: KernelReplacement[] = [{ kernelName: 'MaxPoolGrad', wrap: fastMaxPoolGrad }];
