/**
 * The convolutional spec layers sized from the spec alone (no tfjs): parameters exactly as Keras
 * counts them and the output shape, or the option at fault when the layer cannot apply to its
 * input (a kernel larger than the image, an output of no pixels, strides with dilation).
 */
import { CONV_LAYER_TYPES as CONV_LAYER_TYPE_NAMES } from '../../schemas/job-spec.js';
import { windowOf, zeroPaddingOf, type ConvLayerOptions } from '../model/conv-options.js';

/** A sized layer, or the spec field (relative to the layer) at fault and why. */
export type ConvSize = { params: number; output: number[] } | { field: string; message: string };

export const CONV_LAYER_TYPES: ReadonlySet<string> = new Set(CONV_LAYER_TYPE_NAMES);

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Output length of a window of `k` taps spaced `d` apart, sliding by `s` over `n` cells (Keras's conv_output_length). */
export function windowOutput(n: number, k: number, s: number, d: number, padding: string): number {
  if (padding === 'same') return Math.ceil(n / s);
  return Math.floor((n - (k - 1) * d - 1) / s) + 1;
}

/** Checks the sliding window against the image and returns its output size per spatial axis. */
function slide(
  spec: ConvLayerOptions,
  spatial: readonly number[],
  kernel: number[],
  strides: number[],
  dilation: number[],
  kernelField: string,
): { field: string; message: string } | number[] {
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    return { field: 'dilationRate', message: `strides ${fmt(strides)} and dilationRate ${fmt(dilation)} cannot both exceed 1 (as in Keras)` };
  }
  const padding = spec.padding === 'same' ? 'same' : 'valid';
  const out = spatial.map((n, i) => windowOutput(n, kernel[i], strides[i], dilation[i], padding));
  if (out.some((n) => n < 1)) {
    const span = kernel.map((k, i) => (k - 1) * dilation[i] + 1);
    return {
      field: kernelField,
      message: `the ${span.join('x')} window is larger than the ${spatial.join('x')} input, so the output would have ${out.join('x')} positions: use a smaller ${kernelField}, padding "same", or a larger input`,
    };
  }
  return out;
}

/** Sizes one convolutional spec layer on `input` (one sample's shape); see {@link ConvSize}. */
export function sizeConvLayer(spec: ConvLayerOptions, input: readonly number[]): ConvSize {
  const rank = spec.type === 'Conv1D' ? 1 : 2;
  if (input.length !== rank + 1) {
    const wanted = rank === 1 ? '[steps, channels]' : '[height, width, channels]';
    const hint = rank === 2 && input.length === 2 ? ` (for grey images set the first layer's inputShape to ${fmt([...input, 1])})` : '';
    return { field: '', message: `${spec.type} needs ${wanted} samples, it receives ${fmt(input)}${hint}` };
  }
  const spatial = input.slice(0, rank);
  const channels = input[rank];
  switch (spec.type) {
    case 'SpatialDropout2D':
      return { params: 0, output: [...input] };
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return { params: 0, output: [channels] };
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = zeroPaddingOf(spec.padding);
      return { params: 0, output: [spatial[0] + top + bottom, spatial[1] + left + right, channels] };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const pool = windowOf(spec.poolSize, 2, 2);
      const out = slide(spec, spatial, pool, windowOf(spec.strides ?? pool, 2, 2), [1, 1], 'poolSize');
      return Array.isArray(out) ? { params: 0, output: [...out, channels] } : out;
    }
    default:
      return sizeConvolution(spec, spatial, channels, rank);
  }
}

function sizeConvolution(spec: ConvLayerOptions, spatial: number[], channels: number, rank: 1 | 2): ConvSize {
  const kernel = windowOf(spec.kernelSize, rank, 1);
  const out = slide(spec, spatial, kernel, windowOf(spec.strides, rank, 1), windowOf(spec.dilationRate, rank, 1), 'kernelSize');
  if (!Array.isArray(out)) return out;
  const taps = kernel.reduce((a, b) => a * b, 1);
  const multiplier = spec.depthMultiplier ?? 1;
  const bias = (n: number) => (spec.useBias === false ? 0 : n);
  switch (spec.type) {
    case 'SeparableConv2D': {
      const filters = spec.filters as number;
      return { params: taps * channels * multiplier + channels * multiplier * filters + bias(filters), output: [...out, filters] };
    }
    case 'DepthwiseConv2D':
      return { params: taps * channels * multiplier + bias(channels * multiplier), output: [...out, channels * multiplier] };
    default: {
      const filters = spec.filters as number;
      return { params: taps * channels * filters + bias(filters), output: [...out, filters] };
    }
  }
}
