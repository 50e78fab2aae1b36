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
        best.fill(-Infinity);
        where.fill(-1);
        for (let fy = 0; fy < fh; fy += dilationHeight) {
          const iy = y0 + fy;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < fw; fx += dilationWidth) {
            const ix = x0 + fx;
            if (ix < 0 || ix >= inWidth) continue;
            const at = image + (iy * inWidth + ix) * c;
            for (let k = 0; k < c; k++) {
              const v = x[at + k];
              if (v > best[k] || where[k] < 0) {
                best[k] = v;
                where[k] = at + k;
              }
            }
          }
        }
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += dy[dyAt + k];
      }
    }
  }
}

function fastMaxPoolGrad(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, input } = inputs;
    if (!dy || !input || input.dtype !== 'float32' || input.shape.length !== 4) return stock(args);
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: Parameters<typeof tf.backend_util.computePool2DInfo>[4];
      dimRoundingMode?: Parameters<typeof tf.backend_util.computePool2DInfo>[5];
    };
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const dx = makeOutput(backend, input.shape, 'float32');
    maxPoolBackprop(heapView(backend, input) as Float32Array, heapView(backend, dy) as Float32Array, info, heapView(backend, dx) as Float32Array);
    return dx;
  };
}

export const maxPoolGradReplacements: KernelReplacement[] = [{ kernelName: 'MaxPoolGrad', wrap: fastMaxPoolGrad }];
