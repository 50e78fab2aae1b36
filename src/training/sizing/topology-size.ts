/**
 * Sizes an imported TensorFlow.js layers topology (the Keras JSON of model.json) from its text
 * alone: parameters per layer and activations per sample, without tfjs and without allocating a
 * weight. An import is refused on these numbers before any model is built, so a 242-byte body
 * asking for a 20000 x 20000 Dense layer costs nothing.
 *
 * Exact for the layer classes listed in {@link SIZED_LAYER_CLASSES}; any other class is refused,
 * since a layer we cannot size could allocate without bound when built.
 */
import { SpecError, type SpecProblem } from '../../core/problems.js';

type Shape = Array<number | null>;
type Config = Record<string, unknown>;

export interface TopologySize {
  /** Every weight the model holds (trainable or not), as Keras counts "Total params". */
  params: number;
  /** Values the forward pass produces for one sample, summed over the layers. */
  activationsPerSample: number;
  layers: number;
}

const PASS_THROUGH = [
  'Activation',
  'Dropout',
  'AlphaDropout',
  'GaussianDropout',
  'GaussianNoise',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'LeakyReLU',
  'ELU',
  'ReLU',
  'Softmax',
  'ThresholdedReLU',
  'RReLU',
  'Masking',
];
const POOLING = ['MaxPooling1D', 'AveragePooling1D', 'MaxPooling2D', 'AveragePooling2D', 'MaxPool1D', 'AvgPool1D', 'MaxPool2D', 'AvgPool2D'];
const GLOBAL_POOLING = [
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAvgPool1D',
  'GlobalMaxPool1D',
  'GlobalAvgPool2D',
  'GlobalMaxPool2D',
];

const MERGES = ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate'];

/** The layer classes an import may hold. */
export const SIZED_LAYER_CLASSES = [
  'InputLayer',
  ...MERGES,
  'Dense',
  'BatchNormalization',
  'Flatten',
  'Reshape',
  'PReLU',
  'Conv1D',
  'Conv2D',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'ZeroPadding2D',
  'Embedding',
  ...PASS_THROUGH,
  ...POOLING,
  ...GLOBAL_POOLING,
];

const product = (shape: Shape) => shape.reduce<number>((n, d) => n * (d ?? 1), 1);
const asInts = (v: unknown, n: number): number[] | null => {
  const list = typeof v === 'number' ? Array<number>(n).fill(v) : v;
  return Array.isArray(list) && list.length === n && list.every((d) => Number.isInteger(d) && d > 0) ? (list as number[]) : null;
};

class Refusal extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function positiveInt(config: Config, key: string, path: string, max = 1_000_000_000): number {
  const v = config[key];
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) throw new Refusal(`${path}/config/${key}`, `must be an integer from 1 to ${max}`);
  return v as number;
}

/** Output length of a window of `k` (dilated by `d`) sliding by `s` over `n` cells. */
function windowed(n: number | null, k: number, s: number, d: number, padding: unknown): number | null {
  if (n === null) return null;
  const out = padding === 'same' ? Math.ceil(n / s) : Math.floor((n - (k - 1) * d - 1) / s) + 1;
  return Math.max(0, out);
}

/** One layer: its parameters and output shape (no batch dimension) given its input shape. */
function sizeLayer(className: string, config: Config, input: Shape, path: string): { params: number; output: Shape } {
  const last = input[input.length - 1] ?? null;
  const needLast = () => {
    if (last === null) throw new Refusal(path, `${className} needs a known last input dimension, got [${input.map((d) => d ?? 'None').join(', ')}]`);
    return last;
  };
  if (PASS_THROUGH.includes(className)) return { params: 0, output: input };
  switch (className) {
    case 'Dense': {
      const units = positiveInt(config, 'units', path, 1_000_000);
      const bias = config.use_bias === false ? 0 : units;
      return { params: needLast() * units + bias, output: [...input.slice(0, -1), units] };
    }
    case 'BatchNormalization': {
      const axis = Array.isArray(config.axis) ? config.axis[0] : (config.axis ?? -1);
      const index = typeof axis === 'number' ? (axis < 0 ? input.length + axis + 1 : axis) - 1 : -1;
      const dim = input[index];
      if (dim === undefined || dim === null) throw new Refusal(`${path}/config/axis`, `axis ${String(axis)} is not a known dimension of the input`);
      // Moving mean and variance always; gamma and beta unless `scale`/`center` is false.
      const vectors = 2 + (config.scale === false ? 0 : 1) + (config.center === false ? 0 : 1);
      return { params: vectors * dim, output: input };
    }
    case 'Flatten':
      return { params: 0, output: [product(input)] };
    case 'Reshape': {
      const target = config.target_shape;
      if (!Array.isArray(target) || target.length === 0 || target.length > 8 || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
        throw new Refusal(`${path}/config/target_shape`, 'must be a list of positive integers (one may be -1)');
      }
      const known = (target as number[]).filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      return { params: 0, output: (target as number[]).map((d) => (d === -1 ? Math.floor(product(input) / known) : d)) };
    }
    case 'PReLU': {
      const shared = new Set(Array.isArray(config.shared_axes) ? config.shared_axes : []);
      return { params: input.reduce<number>((n, d, i) => (shared.has(i + 1) ? n : n * (d ?? 1)), 1), output: input };
    }
    case 'Embedding': {
      const size = positiveInt(config, 'input_dim', path) * positiveInt(config, 'output_dim', path, 1_000_000);
      return { params: size, output: [...input, config.output_dim as number] };
    }
    default:
      return sizeSpatial(className, config, input, path, needLast);
  }
}

/** Convolutions and pooling, 1-D and 2-D, channels last. */
function sizeSpatial(className: string, config: Config, input: Shape, path: string, needLast: () => number): { params: number; output: Shape } {
  if (![...GLOBAL_POOLING, ...POOLING, 'Conv1D', 'Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'ZeroPadding2D'].includes(className)) {
    throw new Refusal(
      `${path}/class_name`,
      `layer class ${JSON.stringify(className)} cannot be imported; importable classes: ${SIZED_LAYER_CLASSES.join(', ')}`,
    );
  }
  const rank = className.includes('1D') ? 1 : 2;
  const spatial = input.slice(0, -1);
  if (spatial.length !== rank) throw new Refusal(path, `${className} needs ${rank + 1}-D samples, got [${input.map((d) => d ?? 'None').join(', ')}]`);
  if (config.data_format === 'channels_first') throw new Refusal(`${path}/config/data_format`, 'only channels_last models can be imported');
  if (GLOBAL_POOLING.includes(className)) return { params: 0, output: [needLast()] };
  if (POOLING.includes(className)) {
    const pool = asInts(config.pool_size ?? 2, rank);
    const strides = asInts(config.strides ?? pool, rank);
    if (!pool || !strides) throw new Refusal(`${path}/config/pool_size`, 'must be positive integers');
    return { params: 0, output: [...spatial.map((n, i) => windowed(n, pool[i], strides[i], 1, config.padding)), input[rank]] };
  }
  if (className === 'ZeroPadding2D') return { params: 0, output: [...zeroPadded(config.padding, spatial, path), input[rank]] };
  if (['Conv1D', 'Conv2D', 'SeparableConv2D', 'DepthwiseConv2D'].includes(className)) {
    const depthwise = className === 'DepthwiseConv2D';
    const multiplier = className === 'Conv1D' || className === 'Conv2D' ? 1 : positiveInt({ depth_multiplier: 1, ...config }, 'depth_multiplier', path, 1024);
    const filters = depthwise ? needLast() * multiplier : positiveInt(config, 'filters', path, 100_000);
    const kernel = asInts(config.kernel_size, rank);
    const strides = asInts(config.strides ?? 1, rank);
    const dilation = asInts(config.dilation_rate ?? 1, rank);
    if (!kernel || !strides || !dilation) throw new Refusal(`${path}/config/kernel_size`, 'kernel_size, strides and dilation_rate must be positive integers');
    const taps = kernel.reduce((a, b) => a * b, 1);
    // Keras: a separable layer holds a depthwise kernel (taps x channels x multiplier) and a 1x1
    // pointwise one (channels x multiplier x filters); a depthwise layer the first only.
    const weights =
      className === 'SeparableConv2D'
        ? taps * needLast() * multiplier + needLast() * multiplier * filters
        : depthwise
          ? taps * needLast() * multiplier
          : taps * needLast() * filters;
    const params = weights + (config.use_bias === false ? 0 : filters);
    return { params, output: [...spatial.map((n, i) => windowed(n, kernel[i], strides[i], dilation[i], config.padding)), filters] };
  }
  throw new Refusal(`${path}/class_name`, `layer class ${JSON.stringify(className)} cannot be imported`);
}

/** ZeroPadding2D's output size per spatial axis; Keras's padding is n, [rows, cols] or [[top, bottom], [left, right]]. */
function zeroPadded(padding: unknown, spatial: Shape, path: string): Shape {
  const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100_000;
  const p = padding ?? 1;
  let sides: number[][] | null = null;
  if (ok(p))
    sides = [
      [p as number, p as number],
      [p as number, p as number],
    ];
  else if (Array.isArray(p) && p.length === 2 && p.every(ok)) sides = (p as number[]).map((v) => [v, v]);
  else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))) sides = p as number[][];
  if (!sides) throw new Refusal(`${path}/config/padding`, 'must be n, [rows, cols] or [[top, bottom], [left, right]] of non-negative integers');
  const padded = sides;
  return spatial.map((n, i) => (n === null ? null : n + padded[i][0] + padded[i][1]));
}

interface LayerEntry {
  class_name?: unknown;
  name?: unknown;
  config?: unknown;
  inbound_nodes?: unknown;
}

/** Where the layer list sits in the two model.json shapes (tfjs-saved and Keras-converted). */
function layerList(topology: Config): { layers: LayerEntry[]; path: string; functional: boolean } {
  const wrapped = topology.model_config && typeof topology.model_config === 'object';
  const model = (wrapped ? topology.model_config : topology) as Config;
  const base = wrapped ? '/modelJson/modelTopology/model_config' : '/modelJson/modelTopology';
  const config = model.config;
  if (Array.isArray(config)) return { layers: config as LayerEntry[], path: `${base}/config`, functional: false };
  const layers = (config as Config | undefined)?.layers;
  if (!Array.isArray(layers)) throw new Refusal(`${base}/config/layers`, 'is required: the list of layers');
  const functional = model.class_name !== 'Sequential';
  return { layers: layers as LayerEntry[], path: `${base}/config/layers`, functional };
}

function inputShapeOf(config: Config, path: string): Shape | null {
  const batch = config.batch_input_shape ?? config.batchInputShape;
  if (batch === undefined) return null;
  const dimension = (d: unknown) => d === null || (Number.isInteger(d) && (d as number) > 0 && (d as number) <= 10_000_000);
  // The batch dimension too: tfjs takes any value there and reports it as the layers' output
  // shape, and a stored summary holding an object made every listing of models a 500.
  if (!Array.isArray(batch) || batch.length < 2 || batch.length > 6 || !batch.every(dimension)) {
    throw new Refusal(
      `${path}/config/batch_input_shape`,
      'must be [null, d1, ...] with 1 to 5 positive dimensions of at most 10,000,000 (the batch size null or a positive integer)',
    );
  }
  return batch.slice(1) as Shape;
}

/** The names of the layers whose outputs feed this one (functional models: its first call's inbound tensors). */
function inboundNames(entry: LayerEntry): string[] {
  const nodes = entry.inbound_nodes;
  if (!Array.isArray(nodes) || !Array.isArray(nodes[0])) return [];
  return (nodes[0] as unknown[]).map((t) => (Array.isArray(t) && typeof t[0] === 'string' ? t[0] : '')).filter(Boolean);
}

/** A merge layer's output: the inputs' common shape, or for Concatenate their joined last axis. */
function mergeOutput(className: string, config: Config, inputs: Shape[], path: string): Shape {
  if (inputs.length === 0) throw new Refusal(path, `${className} has no known inputs`);
  if (className !== 'Concatenate') return inputs[0];
  const axis = typeof config.axis === 'number' ? config.axis : -1;
  const rank = inputs[0].length;
  const at = axis < 0 ? rank + axis + 1 : axis;
  if (at < 1 || at > rank) throw new Refusal(`${path}/config/axis`, `axis ${axis} is outside the inputs' ${rank} dimensions`);
  const joined = inputs.reduce<number | null>((n, s) => (n === null || s[at - 1] === null ? null : n + (s[at - 1] as number)), 0);
  return inputs[0].map((d, i) => (i === at - 1 ? joined : d));
}

/**
 * Sizes a model.json's `modelTopology`; throws a SpecError naming the layer and field at fault
 * for a layer it cannot size (unknown class, missing input shape, a bad option).
 */
export function sizeTopology(topology: unknown): TopologySize {
  try {
    if (!topology || typeof topology !== 'object' || Array.isArray(topology))
      throw new Refusal('/modelJson/modelTopology', 'must be an object (a layers-model topology)');
    const { layers, path, functional } = layerList(topology as Config);
    const outputs = new Map<string, Shape>();
    let previous: Shape | null = null;
    let params = 0;
    let activations = 0;
    layers.forEach((entry, i) => {
      const here = `${path}/${i}`;
      if (!entry || typeof entry !== 'object' || typeof entry.class_name !== 'string')
        throw new Refusal(`${here}/class_name`, 'is required: the Keras layer class');
      const config = (entry.config && typeof entry.config === 'object' ? entry.config : {}) as Config;
      const declared = inputShapeOf(config, here);
      const fedBy = functional
        ? inboundNames(entry)
            .map((n) => outputs.get(n))
            .filter((s): s is Shape => s !== undefined)
        : previous
          ? [previous]
          : [];
      const input = declared ?? fedBy[0] ?? null;
      if (!input) throw new Refusal(here, 'its input shape is unknown: the first layer needs a batch_input_shape');
      const sized =
        entry.class_name === 'InputLayer'
          ? { params: 0, output: input }
          : MERGES.includes(entry.class_name)
            ? { params: 0, output: mergeOutput(entry.class_name, config, fedBy, here) }
            : sizeLayer(entry.class_name, config, input, here);
      params += sized.params;
      activations += product(sized.output);
      previous = sized.output;
      const name = typeof entry.name === 'string' ? entry.name : typeof config.name === 'string' ? config.name : `#${i}`;
      outputs.set(name, sized.output);
    });
    return { params, activationsPerSample: activations, layers: layers.length };
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    const problems: SpecProblem[] = [{ path: err.path, message: err.message }];
    throw new SpecError(`the model cannot be imported: ${err.path}: ${err.message}`, problems);
  }
}
