/**
 * Keras activations as ONNX operators (opset 13). Those ONNX has no operator for at this opset
 * (swish, gelu, mish, relu6's bounds) are composed from the ones it has.
 */
import type { OnnxGraph } from './graph.js';

/** A tfjs activation name in Keras spelling: tfjs writes `hardSigmoid` and `leakyRelu` in getConfig. */
export function kerasActivationName(name: unknown): string {
  if (name === undefined || name === null) return 'linear';
  return String(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The `leaky_relu` activation's slope (Keras's default for the function; the layer's is 0.3). */
const LEAKY_RELU_ACTIVATION_SLOPE = 0.2;

type Emit = (g: OnnxGraph, x: string, stem: string) => string;

const scalar = (g: OnnxGraph, stem: string, value: number) => g.floats(stem, [], [value]);

const EMITTERS: Record<string, Emit> = {
  linear: (_g, x) => x,
  relu: (g, x, stem) => g.node('Relu', [x], stem),
  relu6: (g, x, stem) => g.node('Clip', [x, scalar(g, `${stem}/min`, 0), scalar(g, `${stem}/max`, 6)], stem),
  leaky_relu: (g, x, stem) => g.node('LeakyRelu', [x], stem, { alpha: { float: LEAKY_RELU_ACTIVATION_SLOPE } }),
  elu: (g, x, stem) => g.node('Elu', [x], stem, { alpha: { float: 1 } }),
  // ONNX's Selu defaults are Keras's constants (alpha 1.6732632, gamma/scale 1.050701).
  selu: (g, x, stem) => g.node('Selu', [x], stem),
  tanh: (g, x, stem) => g.node('Tanh', [x], stem),
  sigmoid: (g, x, stem) => g.node('Sigmoid', [x], stem),
  // tfjs's hard_sigmoid is tf.keras 2's: clip(0.2 x + 0.5, 0, 1), ONNX's defaults.
  hard_sigmoid: (g, x, stem) => g.node('HardSigmoid', [x], stem, { alpha: { float: 0.2 }, beta: { float: 0.5 } }),
  softmax: (g, x, stem) => g.node('Softmax', [x], stem, { axis: -1 }),
  softplus: (g, x, stem) => g.node('Softplus', [x], stem),
  softsign: (g, x, stem) => g.node('Softsign', [x], stem),
  swish: (g, x, stem) => g.node('Mul', [x, g.node('Sigmoid', [x], `${stem}/sigmoid`)], stem),
  mish: (g, x, stem) => g.node('Mul', [x, g.node('Tanh', [g.node('Softplus', [x], `${stem}/softplus`)], `${stem}/tanh`)], stem),
  // tfjs's gelu is the exact one, 0.5 x (1 + erf(x / sqrt 2)).
  gelu: (g, x, stem) => {
    const erf = g.node('Erf', [g.node('Div', [x, scalar(g, `${stem}/sqrt2`, Math.SQRT2)], `${stem}/scaled`)], `${stem}/erf`);
    const cdf = g.node('Mul', [g.node('Add', [erf, scalar(g, `${stem}/one`, 1)], `${stem}/erf1`), scalar(g, `${stem}/half`, 0.5)], `${stem}/cdf`);
    return g.node('Mul', [x, cdf], stem);
  },
};

/** The activation names the exporter writes. */
export const EXPORTABLE_ACTIVATIONS = Object.keys(EMITTERS);

/** Applies the activation to `x`; null when ONNX cannot express it here (the caller names the layer). */
export function emitActivation(g: OnnxGraph, name: unknown, x: string, stem: string): string | null {
  const emit = EMITTERS[kerasActivationName(name)];
  return emit ? emit(g, x, stem) : null;
}
