/**
 * Checks what the JSON schema cannot see in a job spec: shapes, layer/loss agreement, names and
 * transfer-learning options. Runs at POST time, so a spec that would fail in the worker is a 400.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../../schemas/job-spec.js';
import { createLayer, layerOptions } from '../model/build-model.js';
import { selectBaseLayers } from '../model/transfer.js';
import type { SpecProblem } from '../../core/problems.js';
import { channelShape, sameShape } from '../model/shapes.js';
import { CONV_LAYER_TYPES, sizeConvLayer } from '../sizing/conv-size.js';
import type { ConvLayerOptions } from '../model/conv-options.js';
import { checkWeightRegularization } from './weight-regularization-check.js';

/** What check-spec needs to know about a base model (read from its stored summary). */
export interface BaseModelInfo {
  inputShape: number[];
  outputShape: Array<number | null>;
  layerNames: string[];
  layerCount: number;
  /** Each layer's output shape without the batch dimension; lets the new layers be checked when `dropLast`/`layers` cut the base. */
  layerOutputShapes?: Array<Array<number | null>>;
}

/**
 * The parts of a job spec the model check reads, and only those: POST /jobs caches check results
 * keyed on exactly this (`SpecCheckCache`), so a field outside it must not change
 * the result. The type makes the compiler refuse a read of any other field here.
 */
export type ModelCheckSpec = Pick<JobSpec, 'task' | 'model' | 'compile' | 'base' | 'fineTune'>;

/** The dataset and base facts a spec is checked against. */
export interface CheckContext {
  /** One sample's shape, without the batch dimension. */
  inputShape: number[];
  /** Number of classes in the (filtered) training labels. */
  classes: number;
  base?: BaseModelInfo;
}

const fmt = (shape: ReadonlyArray<number | null>) => `[${shape.map((d) => (d === null ? 'None' : d)).join(', ')}]`;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The activation a spec layer ends with, if it is one that sets one. */
function finalActivation(layer: JobSpec['model']['layers'][number]): string | undefined {
  const opts = layerOptions(layer);
  if (opts.type === 'Dense' || opts.type === 'Conv2D' || opts.type === 'Conv1D') return opts.activation ?? 'linear';
  if (opts.type === 'Activation') return opts.activation;
  return undefined;
}

interface BuildResult {
  problems: SpecProblem[];
  /** The model output's shape without the batch dimension, when every layer built. */
  outputShape?: Array<number | null>;
  /** True when a Dense layer was applied to a non-flat input (already reported). */
  flaggedFlatten: boolean;
}

/**
 * Builds the new layers one by one on `inputShape` with the active backend, so each tfjs error is
 * pinned to its layer. The throwaway model is disposed.
 */
function buildLayers(spec: ModelCheckSpec, inputShape: Array<number | null>, skip: Set<number>): BuildResult {
  const layers = spec.model.layers;
  const problems: SpecProblem[] = [];
  const classification = (spec.task ?? 'classification') === 'classification';
  let flaggedFlatten = false;
  const model = tf.sequential();
  let shape: Array<number | null> = [null, ...inputShape];
  try {
    for (const [i, layer] of layers.entries()) {
      const opts = layerOptions(layer);
      if (i > 0 && opts.inputShape && !sameShape(opts.inputShape, shape.slice(1))) {
        problems.push({
          path: `/model/layers/${i}/inputShape`,
          message: `layer ${i} receives inputs of shape ${fmt(shape.slice(1))}, not ${fmt(opts.inputShape)}; remove inputShape`,
        });
      }
      if (classification && opts.type === 'Dense' && shape.length > 2 && !flaggedFlatten) {
        flaggedFlatten = true;
        problems.push({
          path: `/model/layers/${i}`,
          message: `Dense receives ${shape.length - 1}-D samples of shape ${fmt(shape.slice(1))} and would apply to the last axis only, so the output would not be [batch, units]: add a Flatten layer before`,
        });
      }
      const convProblem = checkConvLayer(opts, i, shape.slice(1));
      if (convProblem) {
        if (!skip.has(i)) problems.push(convProblem);
        return { problems, flaggedFlatten };
      }
      try {
        // Names are left out: duplicates are reported separately and must not stop the shape check.
        const tfLayer = createLayer({ ...layer, name: undefined } as typeof layer, i, { inputShape: i === 0 ? (shape.slice(1) as number[]) : undefined });
        model.add(tfLayer);
      } catch (err) {
        if (!skip.has(i))
          problems.push({ path: `/model/layers/${i}`, message: `${opts.type} cannot be built on inputs of shape ${fmt(shape.slice(1))}: ${errorText(err)}` });
        return { problems, flaggedFlatten };
      }
      shape = model.outputs[0].shape;
    }
    return { problems, outputShape: shape.slice(1), flaggedFlatten };
  } finally {
    model.dispose();
  }
}

/**
 * A convolutional layer that cannot apply to its input, in words naming the option at fault
 * (tfjs would build a kernel larger than the image and fail only when fed, or not at all).
 */
function checkConvLayer(opts: ConvLayerOptions, i: number, input: Array<number | null>): SpecProblem | undefined {
  if (!CONV_LAYER_TYPES.has(opts.type) || input.some((d) => d === null)) return undefined;
  const sized = sizeConvLayer(opts, input as number[]);
  if (!('params' in sized)) return { path: `/model/layers/${i}${sized.field ? `/${sized.field}` : ''}`, message: sized.message };
  // Conv2D, Conv1D and SeparableConv2D train dilated (layers/dilated-conv.ts). tfjs's DepthwiseConv2D
  // ignores its dilationRate, so the saved model would compute an undilated convolution in tfjs.
  if (opts.type === 'DepthwiseConv2D' && [opts.dilationRate ?? 1].flat().some((d) => d > 1)) {
    return {
      path: `/model/layers/${i}/dilationRate`,
      message: 'a dilated DepthwiseConv2D is not supported: TensorFlow.js ignores its dilationRate; use 1, or a SeparableConv2D, which dilates',
    };
  }
  return undefined;
}

/** Problems with `base` and `fineTune`; returns the reused layer count and the shape the new layers receive. */
function checkBase(spec: ModelCheckSpec, ctx: CheckContext, problems: SpecProblem[]): { reused: number; shape?: Array<number | null> } {
  const base = spec.base;
  if (!base || !ctx.base) return { reused: 0 };
  const info = ctx.base;
  const dropLast = base.dropLast ?? 0;
  if (dropLast >= info.layerCount) {
    problems.push({ path: '/base/dropLast', message: `the base model has ${info.layerCount} layers: dropLast must be between 0 and ${info.layerCount - 1}` });
    return { reused: 0 };
  }
  if (!sameShape(info.inputShape, ctx.inputShape)) {
    problems.push({ path: '/base/modelId', message: `the base model takes samples of shape ${fmt(info.inputShape)}, the dataset has ${fmt(ctx.inputShape)}` });
  }
  const { indices, unknownNames } = selectBaseLayers(info.layerNames, base);
  const kept = info.layerCount - dropLast;
  if (unknownNames.length > 0) {
    const allowed = info.layerNames.slice(0, kept).join(', ');
    problems.push({ path: '/base/layers', message: `unknown base layer name(s) ${unknownNames.join(', ')}; the reusable layers are: ${allowed}` });
  }
  if (typeof base.layers === 'number' && base.layers > kept) {
    problems.push({ path: '/base/layers', message: `only ${kept} base layers are left after dropLast: layers must be between 1 and ${kept}` });
  }
  if (indices.length === 0) return { reused: 0 };
  const last = indices[indices.length - 1];
  const cut = info.layerOutputShapes?.[last];
  // Tolerate shapes read straight from a stored summary, which carry the batch dimension (null).
  const shape = last === info.layerCount - 1 ? info.outputShape.slice(1) : cut && cut.length > 1 && cut[0] === null ? cut.slice(1) : cut;
  return { reused: indices.length, shape };
}

const REGRESSION_LOSSES = ['mse', 'mean_squared_error', 'mae', 'mean_absolute_error'];

/**
 * Problems with a learning-rate schedule that the schema cannot see. `piecewise_constant` is
 * Keras's `PiecewiseConstantDecay`: strictly increasing boundaries, one more value than boundaries.
 */
export function checkSchedule(schedule: NonNullable<JobSpec['compile']['optimizer']['schedule']> | undefined, path: string): SpecProblem[] {
  if (!schedule || schedule.type !== 'piecewise_constant') return [];
  const problems: SpecProblem[] = [];
  const { boundaries, values } = schedule;
  for (let i = 1; i < boundaries.length; i++) {
    if (boundaries[i] <= boundaries[i - 1]) {
      problems.push({
        path: `${path}/boundaries`,
        message: `boundaries must be strictly increasing: ${boundaries[i]} (at index ${i}) follows ${boundaries[i - 1]}`,
      });
      break;
    }
  }
  if (values.length !== boundaries.length + 1) {
    problems.push({
      path: `${path}/values`,
      message: `piecewise_constant needs one more value than boundaries: ${boundaries.length} boundaries need ${boundaries.length + 1} values, got ${values.length}`,
    });
  }
  return problems;
}

/** Problems with the model's output against the task and loss. */
function checkOutput(spec: ModelCheckSpec, ctx: CheckContext, output: Array<number | null>, problems: SpecProblem[]): void {
  const layers = spec.model.layers;
  const lastPath = layers.length > 0 ? `/model/layers/${layers.length - 1}` : '/base';
  const activation = layers.length > 0 ? finalActivation(layers[layers.length - 1]) : undefined;
  const lastIsDense = layers.length > 0 && layerOptions(layers[layers.length - 1]).type === 'Dense';
  const loss = spec.compile.loss;
  if (spec.task === 'autoencoder') {
    if (!sameShape(output, ctx.inputShape)) {
      problems.push({ path: lastPath, message: `an autoencoder must output its input's shape ${fmt(ctx.inputShape)}, this model outputs ${fmt(output)}` });
    }
    if (!['mse', 'mean_squared_error', 'mae', 'mean_absolute_error'].includes(loss)) {
      problems.push({ path: '/compile/loss', message: `an autoencoder reconstructs its inputs: use mse (or mae), not ${loss}` });
    }
    return;
  }
  if (output.length !== 1) {
    problems.push({
      path: lastPath,
      message: `a classifier must output [batch, units], this model outputs [batch, ${output.join(', ')}]: add a Flatten layer before the Dense layers`,
    });
    return;
  }
  const units = output[0];
  const unitsPath = lastIsDense ? `${lastPath}/units` : lastPath;
  const activationPath = `${lastPath}/activation`;
  if (loss === 'sparse_categorical_crossentropy' || loss === 'categorical_crossentropy') {
    if (units !== ctx.classes)
      problems.push({ path: unitsPath, message: `${loss} needs one output unit per class: expected ${ctx.classes} units, got ${units}` });
    if (activation !== undefined && activation !== 'softmax') {
      problems.push({ path: activationPath, message: `${loss} expects probabilities: the last layer's activation must be softmax, not ${activation}` });
    }
  } else if (REGRESSION_LOSSES.includes(loss)) {
    // As the worker's labelTensor: one output unit regresses the class index (2 classes at most),
    // several units are fitted to one-hot labels, so there must be one unit per class.
    const fits = units === ctx.classes || (units === 1 && ctx.classes <= 2);
    if (!fits) {
      const expected = ctx.classes <= 2 ? `1 or ${ctx.classes} units` : `${ctx.classes} units`;
      problems.push({
        path: unitsPath,
        message: `${loss} on a classification task fits one-hot labels, one output unit per class: expected ${expected}, got ${units}`,
      });
    }
  } else if (loss === 'binary_crossentropy') {
    if (ctx.classes > 2)
      problems.push({
        path: '/compile/loss',
        message: `binary_crossentropy needs 2 classes, the dataset has ${ctx.classes}: use sparse_categorical_crossentropy`,
      });
    if (units !== 1) problems.push({ path: unitsPath, message: `binary_crossentropy needs 1 output unit (sigmoid): expected 1 unit, got ${units}` });
    if (activation !== undefined && activation !== 'sigmoid') {
      problems.push({
        path: activationPath,
        message: `binary_crossentropy expects a probability: the last layer's activation must be sigmoid, not ${activation}`,
      });
    }
  }
}

/**
 * Returns every problem found in `spec` against the dataset (`ctx.inputShape`, `ctx.classes`) and
 * the base model (`ctx.base`), each with a JSON pointer into the spec. Empty when the spec is fine.
 * Uses the active tfjs backend to build the layers; nothing is left allocated.
 */
export function checkModelSpec(spec: ModelCheckSpec, ctx: CheckContext): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const layers = spec.model.layers;

  if (spec.fineTune && !spec.base) problems.push({ path: '/fineTune', message: 'fineTune unfreezes reused base layers: it needs a base' });
  if (layers.length === 0 && !spec.base) problems.push({ path: '/model/layers', message: 'the model needs at least one layer (or a base to build on)' });

  problems.push(...checkSchedule(spec.compile.optimizer.schedule, '/compile/optimizer/schedule'));
  if (spec.fineTune?.optimizer) problems.push(...checkSchedule(spec.fineTune.optimizer.schedule, '/fineTune/optimizer/schedule'));

  const { reused, shape: baseShape } = checkBase(spec, ctx, problems);
  if (spec.fineTune?.unfreeze !== undefined && spec.base && ctx.base && spec.fineTune.unfreeze > reused) {
    problems.push({ path: '/fineTune/unfreeze', message: `only ${reused} base layers are reused: unfreeze must be between 1 and ${reused}` });
  }

  // Names: unique among the new layers and the reused ones, as tfjs requires.
  const seen = new Map<string, string>();
  for (const name of ctx.base?.layerNames ?? []) seen.set(name, 'the base model');
  const skip = new Set<number>();
  layers.forEach((layer, i) => {
    const opts = layerOptions(layer);
    if (opts.name) {
      const owner = seen.get(opts.name);
      if (owner) problems.push({ path: `/model/layers/${i}/name`, message: `layer name ${opts.name} is already used by ${owner}: names must be unique` });
      else seen.set(opts.name, `layer ${i}`);
    }
    problems.push(...checkWeightRegularization(opts, i));
    if (opts.type === 'RReLU') {
      const lower = opts.lower ?? 1 / 8;
      const upper = opts.upper ?? 1 / 3;
      if (lower > upper) {
        skip.add(i);
        problems.push({ path: `/model/layers/${i}/lower`, message: `RReLU lower (${lower}) must not exceed upper (${upper})` });
      }
    }
  });

  // The shape the new layers receive: the dataset's, or what the reused base layers output.
  const first = layers.length > 0 ? layerOptions(layers[0]) : undefined;
  let start: Array<number | null> | undefined = spec.base ? baseShape : channelShape(ctx.inputShape, first?.inputShape);
  if (first?.inputShape && start && !sameShape(first.inputShape, start)) {
    const source = spec.base ? 'the reused base layers output' : 'the dataset has';
    problems.push({ path: '/model/layers/0/inputShape', message: `inputShape ${fmt(first.inputShape)} does not match: ${source} ${fmt(start)}` });
    start = undefined;
  }
  // Without layers or a base there is no model to check (already reported above).
  if (start && (spec.base ? ctx.base : layers.length > 0)) {
    const built = layers.length > 0 ? buildLayers(spec, start, skip) : { problems: [], outputShape: start, flaggedFlatten: false };
    problems.push(...built.problems);
    if (built.outputShape && !built.flaggedFlatten) checkOutput(spec, ctx, built.outputShape, problems);
  }
  return problems;
}
