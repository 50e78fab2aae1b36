/**
 * The two gradients of a 2-D convolution on the wasm backend, as XNNPACK products.
 *
 * tfjs-backend-wasm has no `Conv2DBackpropFilter` (a convolutional network cannot train there),
 * and its `Conv2DBackpropInput` is a direct seven-deep loop. Here the filter's gradient is
 * im2col(x)^T dy: for a first layer with few input channels as that product on XNNPACK's path,
 * elsewhere as XNNPACK's forward convolution of x and dy with their batch and channel axes swapped
 * (the same product without the matrix); the input's gradient is, at stride 1, the forward
 * convolution (XNNPACK's) of dy with the filter turned by 180 degrees and its channel axes swapped,
 * and at other strides dy W^T added back into the image by col2im.
 */
import type * as tf from '@tensorflow/tfjs';
import { disposeIntermediate, heapView, makeOutput, runStock, sizeOf, type KernelArgs } from './kernel-args.js';
import { col2im, colRows, colWidth, convGeometry, im2col, im2colTransposed, type ConvAttrs, type ConvGeometry } from './im2col.js';
import { matMul, transposedIsCheaper } from './mat-mul.js';
import type { KernelAddition, KernelReplacement } from './replace-kernel.js';

const BACKEND = 'wasm';

const channelsLast = (attrs: KernelArgs['attrs']) => attrs?.dataFormat === undefined || attrs.dataFormat === 'NHWC';

/** A zero-filled output, for the shapes where a product would have an empty side. */
function zeros(backend: object, shape: number[]): tf.TensorInfo {
  const out = makeOutput(backend, shape, 'float32');
  (heapView(backend, out) as Float32Array).fill(0);
  return out;
}

/**
 * The filter's gradient as XNNPACK's forward convolution, with no im2col matrix: x with its batch
 * and channel axes swapped ([ci, h, w, batch]) convolved with dy as the filter ([outH, outW, batch,
 * co], dilated by the forward stride) is [ci, fh, fw, co]. Null for dilated convolutions, and where
 * the padding this needs would be negative (a stride that leaves the input's last rows unread).
 */
function filterGradViaConv(backend: object, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo | null {
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1) return null;
  const bottom = g.filterHeight + (g.outHeight - 1) * g.strideHeight - g.inHeight - g.padTop;
  const right = g.filterWidth + (g.outWidth - 1) * g.strideWidth - g.inWidth - g.padLeft;
  if (Math.min(g.padTop, g.padLeft, bottom, right) < 0) return null;
  const made: tf.TensorInfo[] = [];
  const transpose = (t: tf.TensorInfo, perm: number[]) => runStock(BACKEND, 'Transpose', { inputs: { x: t }, backend, attrs: { perm } });
  try {
    const input = transpose(x, [3, 1, 2, 0]);
    made.push(input);
    const filter = transpose(dy, [1, 2, 0, 3]);
    made.push(filter);
    const pad = [
      [0, 0],
      [g.padTop, bottom],
      [g.padLeft, right],
      [0, 0],
    ];
    const attrs = { strides: 1, pad, dilations: [g.strideHeight, g.strideWidth], dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
    const swapped = runStock(BACKEND, 'Conv2D', { inputs: { x: input, filter }, backend, attrs });
    made.push(swapped);
    return transpose(swapped, [1, 2, 0, 3]);
  } finally {
    disposeIntermediate(backend, ...made);
  }
}

/** dW = im2col(x)^T dy, as [fh, fw, ci, co]. */
function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as Record<'x' | 'dy', tf.TensorInfo>;
  const filterShape = attrs.filterShape as number[];
  if (!channelsLast(attrs)) throw new Error(`wasm backend Conv2DBackpropFilter supports only dataFormat 'NHWC', not '${String(attrs.dataFormat)}'`);
  const g = convGeometry(x.shape, filterShape, attrs as unknown as ConvAttrs);
  if (colRows(g) === 0 || sizeOf(filterShape) === 0) return zeros(backend, filterShape);
  const [rows, width, outChannels] = [colRows(g), colWidth(g), filterShape[3]];
  // Where the product would transpose im2col's matrix before XNNPACK packs dy (the filter's
  // gradient of every layer but a first one with few input channels), the matrix is written
  // transposed to begin with; otherwise the product runs transposed and packs the matrix.
  const writeTransposed = !transposedIsCheaper(width, rows, outChannels, true, false);
  // There, XNNPACK's convolution does the same product without the matrix: cheaper, except for a
  // first layer's few input channels (the turned-around product wins there).
  const viaConv = writeTransposed ? filterGradViaConv(backend, x, dy, g) : null;
  if (viaConv) return viaConv;
  const cols = makeOutput(backend, writeTransposed ? [width, rows] : [rows, width], 'float32');
  try {
    const [xv, colsv] = [heapView(backend, x) as Float32Array, heapView(backend, cols) as Float32Array];
    if (writeTransposed) im2colTransposed(xv, g, colsv);
    else im2col(xv, g, colsv);
    const dw = matMul(backend, cols, { ...dy, shape: [rows, outChannels] }, !writeTransposed, false);
    return { ...dw, shape: filterShape };
  } finally {
    disposeIntermediate(backend, cols);
  }
}

/** The filter [fh, fw, ci, co] turned by 180 degrees in space, as [fh, fw, co, ci]. */
function turnedFilter(backend: object, filter: tf.TensorInfo): tf.TensorInfo {
  const [fh, fw, ci, co] = filter.shape;
  const out = makeOutput(backend, [fh, fw, co, ci], 'float32');
  const w = heapView(backend, filter) as Float32Array;
  const t = heapView(backend, out) as Float32Array;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const from = (y * fw + x) * ci * co;
      const to = ((fh - 1 - y) * fw + (fw - 1 - x)) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) t[to + o * ci + i] = w[from + i * co + o];
    }
  }
  return out;
}

/**
 * At stride 1 the input's gradient is a forward convolution of dy: with the turned filter, the
 * same dilation, and the padding that gives back the input's size. Null where that padding would be
 * negative (explicit paddings larger than the filter).
 */
function viaForwardConv(backend: object, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo | null {
  const top = (g.filterHeight - 1) * g.dilationHeight - g.padTop;
  const left = (g.filterWidth - 1) * g.dilationWidth - g.padLeft;
  const bottom = g.inHeight - g.outHeight + g.padTop;
  const right = g.inWidth - g.outWidth + g.padLeft;
  if (Math.min(top, left, bottom, right) < 0) return null;
  const turned = turnedFilter(backend, filter);
  try {
    const pad = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const attrs = { strides: 1, pad, dilations: [g.dilationHeight, g.dilationWidth], dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
    return runStock(BACKEND, 'Conv2D', { inputs: { x: dy, filter: turned }, backend, attrs });
  } finally {
    disposeIntermediate(backend, turned);
  }
}

/** dx = col2im(dy W^T), for any stride. */
function viaCol2im(backend: object, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry, inputShape: number[]): tf.TensorInfo {
  const outChannels = filter.shape[3];
  const dcols = matMul(backend, { ...dy, shape: [colRows(g), outChannels] }, { ...filter, shape: [colWidth(g), outChannels] }, false, true);
  try {
    const dx = makeOutput(backend, inputShape, 'float32');
    col2im(heapView(backend, dcols) as Float32Array, g, heapView(backend, dx) as Float32Array);
    return dx;
  } finally {
    disposeIntermediate(backend, dcols);
  }
}

function fastBackpropInput(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, filter } = inputs as Record<'dy' | 'filter', tf.TensorInfo>;
    if (!channelsLast(attrs) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return stock(args);
    const inputShape = attrs.inputShape as number[];
    const g = convGeometry(inputShape, filter.shape, attrs as unknown as ConvAttrs);
    if (colRows(g) === 0 || sizeOf(filter.shape) === 0) return zeros(backend, inputShape);
    const viaConv = g.strideHeight === 1 && g.strideWidth === 1 ? viaForwardConv(backend, dy, filter, g) : null;
    return viaConv ?? viaCol2im(backend, dy, filter, g, inputShape);
  };
}

export const conv2DGradReplacements: KernelReplacement[] = [{ kernelName: 'Conv2DBackpropInput', wrap: fastBackpropInput }];
export const conv2DGradAdditions: KernelAddition[] = [{ kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter as tf.KernelFunc }];
