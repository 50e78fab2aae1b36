/**
 * What one training step holds per sample, layer by layer, in float32 values: the layer's outputs
 * kept for backprop, their gradients, the temporaries of the activation's derivative, and the
 * copies the wasm kernels make (a transposed operand, XNNPACK's packed operand). tfjs frees none
 * of the backward pass's tensors until the whole gradient is computed, so they add up.
 *
 * The coefficients come from a benchmark, not a derivation: `npm run bench:memory -- --layers`
 * trains each layer type at batch 8192 on the wasm backend and reads the process's peak RSS; each
 * figure here is at or above what it found. Summing layers over-counts a little (the
 * allocator reuses freed blocks within a step), which the estimate accepts.
 */
import type { ActivationName, LayerSpec } from '../../schemas/job-spec.js';

/** Values per sample a Dense layer costs per unit of its input and of its output (activation aside). */
export const DENSE_VALUES_PER_UNIT = 3;

/** Values per input value of the batch: its rows gathered from the shuffled data. */
export const INPUT_VALUES = 1;

/**
 * Values per output value an activation function adds in training, fused into a Dense layer or as
 * a layer of its own: its derivative's temporaries (from the same benchmark; gelu builds its
 * derivative from several elementwise ops).
 */
const ACTIVATION_VALUES: Record<ActivationName, number> = {
  linear: 0,
  relu: 2,
  elu: 2,
  tanh: 3,
  sigmoid: 3,
  softplus: 3,
  softmax: 4,
  leaky_relu: 4,
  relu6: 5,
  hard_sigmoid: 6,
  selu: 7,
  swish: 8,
  mish: 8,
  softsign: 8,
  gelu: 15,
};

/** Values per output value of the layers without a Dense kernel. */
const LAYER_VALUES: Partial<Record<LayerSpec['type'], number>> = {
  Flatten: 0,
  Reshape: 0,
  BatchNormalization: 8,
  Dropout: 7,
  AlphaDropout: 10,
  RReLU: 11,
  LeakyReLU: 4,
  PReLU: 4,
  ELU: 2,
  // Pooling keeps its output and its gradient, and the input-sized gradient it passes back.
  MaxPooling2D: 4,
  AveragePooling2D: 4,
  GlobalAveragePooling2D: 2,
  GlobalMaxPooling2D: 2,
  ZeroPadding2D: 2,
  SpatialDropout2D: 7,
};

/**
 * Values per output value of a convolution, activation aside: like a Dense layer's, plus the
 * patch matrix (kernel taps x input channels per output position) a convolution may unroll its
 * input into, forward and backward. Not measured per layer as the others: an upper bound.
 */
const CONV_VALUES_PER_OUTPUT = 2 * DENSE_VALUES_PER_UNIT;
const CONV_TYPES = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Conv1D']);

/** A convolution's step values per sample: its input and output as a Dense layer's, and its patches. */
function convStepValues(layer: LayerSpec, inputValues: number, outputValues: number): number {
  const opts = layer as { kernelSize?: number | number[]; filters?: number; activation?: string };
  const taps = typeof opts.kernelSize === 'number' ? opts.kernelSize ** (layer.type === 'Conv1D' ? 1 : 2) : (opts.kernelSize ?? [1]).reduce((a, b) => a * b, 1);
  // Output positions x taps x input channels = outputValues / filters x taps x channels: bounded by
  // taps x the larger of input and output values.
  const patches = 2 * taps * Math.max(inputValues, outputValues);
  return DENSE_VALUES_PER_UNIT * inputValues + CONV_VALUES_PER_OUTPUT * outputValues + patches + activationValues(opts.activation) * outputValues;
}

/**
 * For layers known only by their output size (a base model's, read from its stored summary):
 * as much as a Dense layer whose input is as wide as its output, with a ReLU.
 */
export const UNKNOWN_LAYER_VALUES = 2 * DENSE_VALUES_PER_UNIT + ACTIVATION_VALUES.relu;

/** Most values per output value any activation costs: for an activation we have no figure for. */
const MOST_ACTIVATION_VALUES = Math.max(...Object.values(ACTIVATION_VALUES));

export function activationValues(activation: string | undefined): number {
  return ACTIVATION_VALUES[(activation ?? 'linear') as ActivationName] ?? MOST_ACTIVATION_VALUES;
}

/**
 * Values per sample a layer costs in a training step, given how many values per sample it takes
 * in and gives out.
 */
export function layerStepValues(layer: LayerSpec, inputValues: number, outputValues: number): number {
  switch (layer.type) {
    case 'Dense':
      return DENSE_VALUES_PER_UNIT * (inputValues + outputValues) + activationValues(layer.activation) * outputValues;
    case 'Activation':
      return Math.max(ACTIVATION_VALUES.relu, activationValues(layer.activation)) * outputValues;
    default:
      if (CONV_TYPES.has(layer.type)) return convStepValues(layer, inputValues, outputValues);
      return (LAYER_VALUES[layer.type] ?? UNKNOWN_LAYER_VALUES) * outputValues;
  }
}
