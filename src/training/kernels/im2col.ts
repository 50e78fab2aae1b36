/**
 * The geometry of a 2-D convolution (channels-last) and the two copies that turn it into one
 * matrix product: im2col lays every receptive field out as a row, col2im adds such rows back into
 * an image. With rows (batch, outRow, outCol) and columns (filterRow, filterCol, inChannel), the
 * columns follow the filter's own [fh, fw, ci, co] layout, so the filter is a [K, co] matrix as it
 * stands and no copy of it is needed.
 */
import * as tf from '@tensorflow/tfjs';

/** What the copies need of a convolution; `pad*` can be negative with explicit paddings. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

type Pad = Parameters<typeof tf.backend_util.computeConv2DInfo>[4];
type Rounding = Parameters<typeof tf.backend_util.computeConv2DInfo>[5];

/** The attributes the convolution kernels share (tfjs's names). */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding;
}

/** tfjs's own reading of a convolution's attributes (the same as every backend's), plus its output shape. */
export function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs, depthwise = false): ConvGeometry & { outShape: number[] } {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    outShape: info.outShape,
  };
}

/** Rows of the im2col matrix: one per output position. */
export const colRows = (g: ConvGeometry) => g.batch * g.outHeight * g.outWidth;
/** Columns of the im2col matrix: one per filter tap and input channel. */
export const colWidth = (g: ConvGeometry) => g.filterHeight * g.filterWidth * g.inChannels;

/**
 * Calls `visit(colOffset, xOffset)` for every tap of every receptive field that falls inside the
 * image (`xOffset` is where its channels start in x, `colOffset` where they go in the matrix);
 * taps in the padding are skipped. Both copies walk the convolution this way.
 */
export function forEachTap(g: ConvGeometry, visit: (colOffset: number, xOffset: number) => void): void {
  const ci = g.inChannels;
  const width = colWidth(g);
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    const imageStart = b * g.inHeight * g.inWidth * ci;
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++, row++) {
        let col = row * width;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = oy * g.strideHeight + fy * g.dilationHeight - g.padTop;
          const inRow = iy >= 0 && iy < g.inHeight;
          for (let fx = 0; fx < g.filterWidth; fx++, col += ci) {
            const ix = ox * g.strideWidth + fx * g.dilationWidth - g.padLeft;
            if (inRow && ix >= 0 && ix < g.inWidth) visit(col, imageStart + (iy * g.inWidth + ix) * ci);
          }
        }
      }
    }
  }
}

/**
 * Calls `visit(colOffset, xOffset, length)` for every run of a receptive field's row that lies
 * inside the image: without dilation the taps of one filter row that fall inside read one
 * contiguous stretch of x (width x channels values), so the copies move whole stretches rather
 * than one tap's channels at a time.
 */
function forEachRun(g: ConvGeometry, visit: (colOffset: number, xOffset: number, length: number) => void): void {
  if (g.dilationWidth !== 1) {
    forEachTap(g, (col, src) => visit(col, src, g.inChannels));
    return;
  }
  const ci = g.inChannels;
  const width = colWidth(g);
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    const imageStart = b * g.inHeight * g.inWidth * ci;
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++, row++) {
        const ix0 = ox * g.strideWidth - g.padLeft;
        const lo = Math.max(0, -ix0); // first filter column inside the image
        const hi = Math.min(g.filterWidth, g.inWidth - ix0); // one past the last
        if (hi <= lo) continue;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = oy * g.strideHeight + fy * g.dilationHeight - g.padTop;
          if (iy < 0 || iy >= g.inHeight) continue;
          visit(row * width + (fy * g.filterWidth + lo) * ci, imageStart + (iy * g.inWidth + ix0 + lo) * ci, (hi - lo) * ci);
        }
      }
    }
  }
}

/** Values shorter than this are copied one by one; longer ones by `copyWithin` (a memmove). */
const BULK_COPY = 16;

/** Writes the receptive fields of `x` ([batch, h, w, ci]) as the rows of `cols` ([rows, K]); padding reads as 0. Both views of one heap. */
export function im2col(x: Float32Array, g: ConvGeometry, cols: Float32Array): void {
  cols.fill(0, 0, colRows(g) * colWidth(g));
  const heap = x.buffer === cols.buffer ? new Float32Array(x.buffer) : null;
  const xBase = x.byteOffset / 4;
  const colsBase = cols.byteOffset / 4;
  forEachRun(g, (col, src, length) => {
    if (length < BULK_COPY) for (let c = 0; c < length; c++) cols[col + c] = x[src + c];
    else if (heap) heap.copyWithin(colsBase + col, xBase + src, xBase + src + length);
    else cols.set(x.subarray(src, src + length), col);
  });
}

/**
 * im2col's matrix transposed ([K, rows]), written directly: for each column (filter tap and input
 * channel) the values of one image's output positions in order, read from the image at a stride
 * of its channel count. One image of a small network stays in the first-level cache, and the
 * writes are sequential; transposing the [rows, K] matrix afterwards cost several times as much.
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, colsT: Float32Array): void {
  const rows = colRows(g);
  const ci = g.inChannels;
  const { outHeight, outWidth, inWidth } = g;
  const imageSize = g.inHeight * inWidth * ci;
  for (let b = 0; b < g.batch; b++) {
    const image = b * imageSize;
    const r0 = b * outHeight * outWidth;
    for (let fy = 0; fy < g.filterHeight; fy++) {
      for (let fx = 0; fx < g.filterWidth; fx++) {
        const tap = (fy * g.filterWidth + fx) * ci;
        const xShift = fx * g.dilationWidth - g.padLeft;
        for (let c = 0; c < ci; c++) {
          let to = (tap + c) * rows + r0;
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * g.strideHeight + fy * g.dilationHeight - g.padTop;
            if (iy < 0 || iy >= g.inHeight) {
              colsT.fill(0, to, to + outWidth);
              to += outWidth;
              continue;
            }
            const rowStart = image + iy * inWidth * ci + c;
            for (let ox = 0; ox < outWidth; ox++) {
              const ix = ox * g.strideWidth + xShift;
              colsT[to++] = ix >= 0 && ix < inWidth ? x[rowStart + ix * ci] : 0;
            }
          }
        }
      }
    }
  }
}

/** Adds the rows of `cols` ([rows, K]) back into the image they were taken from: `dx` ([batch, h, w, ci]), zeroed first. */
export function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
  dx.fill(0, 0, g.batch * g.inHeight * g.inWidth * g.inChannels);
  forEachRun(g, (col, dst, length) => {
    for (let c = 0; c < length; c++) dx[dst + c] += cols[col + c];
  });
}
