/**
 * Converters for the dense, normalization, activation, regularization and reshaping layers,
 * by Keras class name. Tensors stay in the Keras layout (channels last) between layers.
 */
import { emitActivation } from './activations.js';
import { activationOrFail, NotExportable, type LayerContext, type LayerConverter } from './context.js';

const identity: LayerConverter = ({ inputs }) => inputs[0];

/** y = x W + b, then the activation; MatMul broadcasts, so inputs of any rank work as in Keras. */
const dense: LayerConverter = ({ g, name, config, inputs, weight, hasWeight }) => {
  const kernel = weight('kernel');
  let y = g.node('MatMul', [inputs[0], g.floats(`${name}/kernel`, kernel.shape, kernel.values)], `${name}/matmul`);
  if (config['useBias'] !== false && hasWeight('bias')) {
    const bias = weight('bias');
    y = g.node('Add', [y, g.floats(`${name}/bias`, bias.shape, bias.values)], `${name}/bias_add`);
  }
  return activationOrFail(emitActivation(g, config['activation'], y, name), config['activation']);
};

/**
 * Inference-mode batch normalization with its moving statistics, folded into one scale and one
 * shift per channel (computed in float64): gamma (x - mean) / sqrt(var + eps) + beta.
 */
const batchNormalization: LayerConverter = ({ g, name, config, inputs, inputShapes, weight, hasWeight }) => {
  const rank = inputShapes[0].length;
  const axes = Array.isArray(config['axis']) ? config['axis'] : [config['axis'] ?? -1];
  if (axes.length !== 1) throw new NotExportable('it normalizes over several axes');
  const axis = axes[0] < 0 ? rank + axes[0] : axes[0];
  const mean = weight('moving_mean').values;
  const variance = weight('moving_variance').values;
  const gamma = hasWeight('gamma') ? weight('gamma').values : null;
  const beta = hasWeight('beta') ? weight('beta').values : null;
  const eps = Number(config['epsilon'] ?? 1e-3);
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    const s = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
    scale[c] = s;
    shift[c] = (beta ? beta[c] : 0) - mean[c] * s;
  }
  // Broadcast over the channel axis: [C, 1, ..., 1] for the dimensions after it.
  const dims = [mean.length, ...Array<number>(rank - 1 - axis).fill(1)];
  const scaled = g.node('Mul', [inputs[0], g.floats(`${name}/scale`, dims, scale)], `${name}/scaled`);
  return g.node('Add', [scaled, g.floats(`${name}/shift`, dims, shift)], name);
};

const activation: LayerConverter = ({ g, name, config, inputs }) =>
  activationOrFail(emitActivation(g, config['activation'], inputs[0], name), config['activation']);

const leakyRelu = (alpha: number, { g, name, inputs }: LayerContext) => g.node('LeakyRelu', [inputs[0]], name, { alpha: { float: alpha } });

/** PReLU: the learned slopes (ones along shared axes) broadcast over the batch. */
const prelu: LayerConverter = ({ g, name, inputs, weight }) => {
  const alpha = weight('alpha');
  return g.node('PRelu', [inputs[0], g.floats(`${name}/alpha`, alpha.shape, alpha.values)], name);
};

/** tfjs's ReLU layer: max(x, 0), capped at maxValue when it has one. */
const relu: LayerConverter = ({ g, name, config, inputs }) => {
  const max = config['maxValue'];
  if (max === undefined || max === null) return g.node('Relu', [inputs[0]], name);
  return g.node('Clip', [inputs[0], g.floats(`${name}/min`, [], [0]), g.floats(`${name}/max`, [], [Number(max)])], name);
};

const softmax: LayerConverter = ({ g, name, config, inputs }) => {
  const axis = Array.isArray(config['axis']) ? config['axis'] : [config['axis'] ?? -1];
  if (axis.length !== 1) throw new NotExportable('its softmax spans several axes');
  return g.node('Softmax', [inputs[0]], name, { axis: axis[0] });
};

/** Keras flattens channels-last data in its stored order; channels-first data is moved to channels last first. */
const flatten: LayerConverter = ({ g, name, config, inputs, inputShapes }) => {
  const rank = inputShapes[0].length;
  let x = inputs[0];
  if (config['dataFormat'] === 'channels_first' && rank > 2) {
    x = g.node('Transpose', [x], `${name}/channels_last`, { perm: [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1] });
  }
  return g.node('Flatten', [x], name, { axis: 1 });
};

/** Reshape to [batch, ...targetShape]: 0 copies the input's batch dimension. */
const reshape: LayerConverter = ({ g, name, config, inputs }) => {
  const target = (config['targetShape'] as (number | null)[]).map((d) => (d === null ? -1 : d));
  return g.node('Reshape', [inputs[0], g.int64s(`${name}/shape`, [0, ...target])], name);
};

const permute: LayerConverter = ({ g, name, config, inputs }) => g.node('Transpose', [inputs[0]], name, { perm: [0, ...(config['dims'] as number[])] });

/** The merge layers of functional models, as ONNX's variadic element-wise operators. */
const merge =
  (op: string): LayerConverter =>
  ({ g, name, inputs }) =>
    g.node(op, inputs, name);

const subtract: LayerConverter = ({ g, name, inputs }) => g.node('Sub', inputs, name);

/** x where x > theta, else 0. */
const thresholdedRelu: LayerConverter = ({ g, name, config, inputs }) => {
  const above = g.node('Greater', [inputs[0], g.floats(`${name}/theta`, [], [Number(config['theta'] ?? 1)])], `${name}/above`);
  return g.node('Mul', [inputs[0], g.node('Cast', [above], `${name}/mask`, { to: 1 })], name);
};

/** A lookup of each (whole-number) input in the embedding matrix, as tfjs does after casting to int32. */
const embedding: LayerConverter = ({ g, name, config, inputs, weight }) => {
  if (config['maskZero']) throw new NotExportable('it masks zeros (maskZero), which ONNX models do not carry');
  const table = weight('embeddings');
  const indices = g.node('Cast', [inputs[0]], `${name}/indices`, { to: 7 });
  return g.node('Gather', [g.floats(`${name}/embeddings`, table.shape, table.values), indices], name, { axis: 0 });
};

const concatenate: LayerConverter = ({ g, name, config, inputs }) => g.node('Concat', inputs, name, { axis: Number(config['axis'] ?? -1) });

export const CORE_LAYERS: Record<string, LayerConverter> = {
  Dense: dense,
  BatchNormalization: batchNormalization,
  Activation: activation,
  LeakyReLU: (ctx) => leakyRelu(Number(ctx.config['alpha'] ?? 0.3), ctx),
  // Its inference slope is the mean of its range.
  RReLU: (ctx) => leakyRelu((Number(ctx.config['lower'] ?? 1 / 8) + Number(ctx.config['upper'] ?? 1 / 3)) / 2, ctx),
  PReLU: prelu,
  ELU: ({ g, name, config, inputs }) => g.node('Elu', [inputs[0]], name, { alpha: { float: Number(config['alpha'] ?? 1) } }),
  ReLU: relu,
  ThresholdedReLU: thresholdedRelu,
  Embedding: embedding,
  Softmax: softmax,
  // Inference mode: the regularization layers pass their input through.
  Dropout: identity,
  AlphaDropout: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  SpatialDropout3D: identity,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permute,
  Add: merge('Sum'),
  Multiply: ({ g, name, inputs }) => inputs.slice(1).reduce((acc, x, i) => g.node('Mul', [acc, x], i === inputs.length - 2 ? name : `${name}/${i}`), inputs[0]),
  Average: merge('Mean'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Subtract: subtract,
  Concatenate: concatenate,
};
