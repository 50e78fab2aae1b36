/**
 * The two gradients of a depthwise convolution, which tfjs-backend-wasm lacks (DepthwiseConv2D and
 * SeparableConv2D layers could not train there). Each input channel meets only its own
 * `multiplier` filters, so there is no large product to hand to XNNPACK; both are direct loops over
 * the receptive fields on the wasm heap, the same walk as im2col's.
 */
import type * as tf from '@tensorflow/tfjs';
import { heapView, makeOutput, type KernelArgs } from './kernel-args.js';
import { colWidth, convGeometry, forEachTap, type ConvAttrs } from './im2col.js';
import type { KernelAddition } from './replace-kernel.js';

/** Geometry of a depthwise convolution ([fh, fw, ci, multiplier] filter) and its channel multiplier. */
function depthwiseGeometry(xShape: number[], filterShape: number[], attrs: KernelArgs['attrs']) {
  const g = convGeometry(xShape, filterShape, attrs as unknown as ConvAttrs, true);
  return { g, multiplier: filterShape[3], width: colWidth(g) };
}

/** dW[fy, fx, c, m] = sum over output positions of x at the tap times dy[.., c * multiplier + m]. */
function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as Record<'x' | 'dy', tf.TensorInfo>;
  const filterShape = attrs.filterShape as number[];
  const { g, multiplier, width } = depthwiseGeometry(x.shape, filterShape, attrs);
  const out = makeOutput(backend, filterShape, 'float32');
  const xv = heapView(backend, x) as Float32Array;
  const dyv = heapView(backend, dy) as Float32Array;
  const dw = heapView(backend, out) as Float32Array;
  dw.fill(0);
  const ci = g.inChannels;
  forEachTap(g, (col, src) => {
    const row = Math.floor(col / width);
    const tap = col - row * width; // (fy * fw + fx) * ci
    const dyRow = row * ci * multiplier;
    for (let c = 0; c < ci; c++) {
      const xc = xv[src + c];
      const w0 = (tap + c) * multiplier;
      const d0 = dyRow + c * multiplier;
      for (let m = 0; m < multiplier; m++) dw[w0 + m] += xc * dyv[d0 + m];
    }
  });
  return out;
}

/** dx[.., c] = sum over the taps that read it of W[fy, fx, c, m] times dy[.., c * multiplier + m]. */
function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const { dy, filter } = inputs as Record<'dy' | 'filter', tf.TensorInfo>;
  const inputShape = attrs.inputShape as number[];
  const { g, multiplier, width } = depthwiseGeometry(inputShape, filter.shape, attrs);
  const out = makeOutput(backend, inputShape, 'float32');
  const wv = heapView(backend, filter) as Float32Array;
  const dyv = heapView(backend, dy) as Float32Array;
  const dx = heapView(backend, out) as Float32Array;
  dx.fill(0);
  const ci = g.inChannels;
  forEachTap(g, (col, dst) => {
    const row = Math.floor(col / width);
    const tap = col - row * width;
    const dyRow = row * ci * multiplier;
    for (let c = 0; c < ci; c++) {
      const w0 = (tap + c) * multiplier;
      const d0 = dyRow + c * multiplier;
      let sum = 0;
      for (let m = 0; m < multiplier; m++) sum += wv[w0 + m] * dyv[d0 + m];
      dx[dst + c] += sum;
    }
  });
  return out;
}

export const depthwiseGradAdditions: KernelAddition[] = [
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseBackpropFilter as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseBackpropInput as tf.KernelFunc },
];
