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
};

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
      return (LAYER_VALUES[layer.type] ?? UNKNOWN_LAYER_VALUES) * outputValues;
  }
}
