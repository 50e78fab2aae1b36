/**
 * Converters for the convolution and pooling layers (1D and 2D), by Keras class name.
 *
 * Keras layers default to channels-last data, which the exported model keeps as its input and
 * output; ONNX's Conv and pooling operators read channels first, so each such layer transposes
 * its input to NC... and its output back (ONNX Runtime removes the transposes that cancel).
 */
import { emitActivation } from './activations.js';
import { activationOrFail, NotExportable, type LayerContext, type LayerConverter, type LayerWeight } from './context.js';
import type { AttributeValue, OnnxGraph } from './graph.js';

const channelsFirst = (config: Record<string, any>) => config['dataFormat'] === 'channels_first';

/** Permutation moving the last axis to position 1 (channels last -> first), and its inverse. */
const toFirst = (rank: number) => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
const toLast = (rank: number) => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];

/** Runs `body` on the input in channels-first layout, converting to and from channels last when the layer is. */
function inChannelsFirst(ctx: LayerContext, body: (x: string) => string): string {
  const rank = ctx.inputShapes[0].length;
  if (channelsFirst(ctx.config)) return body(ctx.inputs[0]);
  const x = ctx.g.node('Transpose', [ctx.inputs[0]], `${ctx.name}/nchw`, { perm: toFirst(rank) });
  return ctx.g.node('Transpose', [body(x)], `${ctx.name}/nhwc`, { perm: toLast(rank) });
}

/** A number or a list, as Keras configs give sizes, to one value per spatial axis. */
function perAxis(value: unknown, n: number, fallback: number): number[] {
  if (value === undefined || value === null) return Array<number>(n).fill(fallback);
  return Array.isArray(value) ? value.map(Number) : Array<number>(n).fill(Number(value));
}

/**
 * ONNX padding for Keras padding. TensorFlow's `same` pads (k - 1) d + 1 - s more or less, the odd
 * pixel at the end; written as explicit pads from the layer's (static) input size, since ONNX
 * Runtime's SAME_UPPER refuses dilations. `causal` has no form here.
 */
function padding(
  config: Record<string, any>,
  size: (number | null)[],
  kernel: number[],
  strides: number[],
  dilations: number[],
): Record<string, AttributeValue> {
  const mode = config['padding'] ?? 'valid';
  if (mode === 'valid') return { auto_pad: 'VALID' };
  if (mode !== 'same') throw new NotExportable(`its padding ${String(mode)} has no ONNX form here`);
  if (size.some((d) => d === null)) {
    if (dilations.some((d) => d !== 1)) throw new NotExportable('it pads `same` with dilations on an input of unknown size');
    return { auto_pad: 'SAME_UPPER' };
  }
  const totals = size.map((n, i) => Math.max(0, (Math.ceil((n as number) / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - (n as number)));
  return { pads: [...totals.map((t) => Math.floor(t / 2)), ...totals.map((t) => t - Math.floor(t / 2))] };
}

/** The input's spatial sizes, whichever side its channels are on. */
function spatialSize(ctx: LayerContext): (number | null)[] {
  const shape = ctx.inputShapes[0];
  return channelsFirst(ctx.config) ? shape.slice(2) : shape.slice(1, -1);
}

/** Reorders a row-major tensor's axes (the values of `shape` permuted by `perm`). */
export function transposeValues(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let k = 0; k < perm.length; k++) source += index[k] * strides[perm[k]];
    out[o] = values[source];
    for (let k = outShape.length - 1; k >= 0 && ++index[k] === outShape[k]; k--) index[k] = 0;
  }
  return out;
}

/** A Keras kernel [k..., in, out] as ONNX's Conv weight [out, in, k...]. */
function convWeight(g: OnnxGraph, stem: string, kernel: LayerWeight): string {
  const r = kernel.shape.length;
  const perm = [r - 1, r - 2, ...Array.from({ length: r - 2 }, (_, i) => i)];
  return g.floats(
    stem,
    perm.map((p) => kernel.shape[p]),
    transposeValues(kernel.values, kernel.shape, perm),
  );
}

/** A Keras depthwise kernel [k..., in, multiplier] as a grouped Conv weight [in * multiplier, 1, k...]. */
function depthwiseWeight(g: OnnxGraph, stem: string, kernel: LayerWeight): string {
  const r = kernel.shape.length;
  const perm = [r - 2, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i)];
  const spatial = kernel.shape.slice(0, r - 2);
  const channels = kernel.shape[r - 2] * kernel.shape[r - 1];
  return g.floats(stem, [channels, 1, ...spatial], transposeValues(kernel.values, kernel.shape, perm));
}

function convAttributes(ctx: LayerContext, kernelShape: number[]): Record<string, AttributeValue> {
  const spatial = kernelShape.length;
  const strides = perAxis(ctx.config['strides'], spatial, 1);
  const dilations = perAxis(ctx.config['dilationRate'], spatial, 1);
  return { kernel_shape: kernelShape, strides, dilations, ...padding(ctx.config, spatialSize(ctx), kernelShape, strides, dilations) };
}

function bias(ctx: LayerContext): string[] {
  if (ctx.config['useBias'] === false || !ctx.hasWeight('bias')) return [];
  const b = ctx.weight('bias');
  return [ctx.g.floats(`${ctx.name}/bias`, b.shape, b.values)];
}

const finish = (ctx: LayerContext, y: string) => activationOrFail(emitActivation(ctx.g, ctx.config['activation'], y, ctx.name), ctx.config['activation']);

const conv: LayerConverter = (ctx) => {
  const { g, name, config } = ctx;
  if (Number(config['groups'] ?? 1) !== 1) throw new NotExportable('it is a grouped convolution');
  const kernel = ctx.weight('kernel');
  const w = convWeight(g, `${name}/kernel`, kernel);
  const attrs = convAttributes(ctx, kernel.shape.slice(0, -2));
  return finish(
    ctx,
    inChannelsFirst(ctx, (x) => g.node('Conv', [x, w, ...bias(ctx)], `${name}/conv`, attrs)),
  );
};

const depthwise: LayerConverter = (ctx) => {
  const { g, name } = ctx;
  const kernel = ctx.weight('depthwise_kernel');
  const spatial = kernel.shape.length - 2;
  const w = depthwiseWeight(g, `${name}/depthwise_kernel`, kernel);
  const attrs = { ...convAttributes(ctx, kernel.shape.slice(0, spatial)), group: kernel.shape[spatial] };
  return finish(
    ctx,
    inChannelsFirst(ctx, (x) => g.node('Conv', [x, w, ...bias(ctx)], `${name}/depthwise`, attrs)),
  );
};

/** A depthwise convolution (no bias), then a 1x1 pointwise one with the bias. */
const separable: LayerConverter = (ctx) => {
  const { g, name } = ctx;
  const kernel = ctx.weight('depthwise_kernel');
  const spatial = kernel.shape.length - 2;
  const dw = depthwiseWeight(g, `${name}/depthwise_kernel`, kernel);
  const pw = convWeight(g, `${name}/pointwise_kernel`, ctx.weight('pointwise_kernel'));
  const attrs = { ...convAttributes(ctx, kernel.shape.slice(0, spatial)), group: kernel.shape[spatial] };
  const ones = Array<number>(spatial).fill(1);
  return finish(
    ctx,
    inChannelsFirst(ctx, (x) => {
      const depthwiseOut = g.node('Conv', [x, dw], `${name}/depthwise`, attrs);
      return g.node('Conv', [depthwiseOut, pw, ...bias(ctx)], `${name}/pointwise`, { kernel_shape: ones, strides: ones, dilations: ones });
    }),
  );
};

/** Max and average pooling; TensorFlow averages over the window's real pixels only (count_include_pad 0). */
const pool =
  (op: 'MaxPool' | 'AveragePool'): LayerConverter =>
  (ctx) => {
    const spatial = ctx.inputShapes[0].length - 2;
    const size = perAxis(ctx.config['poolSize'], spatial, 2);
    const strides = ctx.config['strides'] === null || ctx.config['strides'] === undefined ? size : perAxis(ctx.config['strides'], spatial, 1);
    const attrs: Record<string, AttributeValue> = {
      kernel_shape: size,
      strides,
      ...padding(ctx.config, spatialSize(ctx), size, strides, Array<number>(spatial).fill(1)),
      ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}),
    };
    return inChannelsFirst(ctx, (x) => ctx.g.node(op, [x], `${ctx.name}/pool`, attrs));
  };

/** Global pooling reduces the spatial axes where they are, without transposes. */
const globalPool =
  (op: 'ReduceMean' | 'ReduceMax'): LayerConverter =>
  ({ g, name, config, inputs, inputShapes }) => {
    const rank = inputShapes[0].length;
    const axes = channelsFirst(config) ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : Array.from({ length: rank - 2 }, (_, i) => i + 1);
    return g.node(op, [inputs[0]], name, { axes, keepdims: config['keepDims'] ? 1 : 0 });
  };

/** Zero padding of the spatial axes: Keras's [[top, bottom], [left, right]] as ONNX's begins then ends. */
const zeroPadding: LayerConverter = ({ g, name, config, inputs, inputShapes }) => {
  const rank = inputShapes[0].length;
  const padding = config['padding'] as [number, number][];
  const first = channelsFirst(config);
  const begins = Array<number>(rank).fill(0);
  const ends = Array<number>(rank).fill(0);
  padding.forEach(([before, after], i) => {
    const axis = first ? i + 2 : i + 1;
    begins[axis] = before;
    ends[axis] = after;
  });
  return g.node('Pad', [inputs[0], g.int64s(`${name}/pads`, [...begins, ...ends])], name, { mode: 'constant' });
};

export const CONV_LAYERS: Record<string, LayerConverter> = {
  Conv1D: conv,
  Conv2D: conv,
  DepthwiseConv2D: depthwise,
  SeparableConv2D: separable,
  MaxPooling1D: pool('MaxPool'),
  MaxPooling2D: pool('MaxPool'),
  AveragePooling1D: pool('AveragePool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling1D: globalPool('ReduceMean'),
  GlobalAveragePooling2D: globalPool('ReduceMean'),
  GlobalMaxPooling1D: globalPool('ReduceMax'),
  GlobalMaxPooling2D: globalPool('ReduceMax'),
  ZeroPadding2D: zeroPadding,
};
// The short names Keras also accepts, in case a loaded layer reports one.
for (const [alias, name] of Object.entries({
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
})) {
  CONV_LAYERS[alias] = CONV_LAYERS[name];
}
