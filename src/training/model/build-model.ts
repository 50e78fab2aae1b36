/**
 * Turns the spec's `model.layers` into a tfjs Sequential model, optionally on top of reused base layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, LayerSpec } from '../../schemas/job-spec.js';
import { toTfjsActivation } from './activations.js';
import { BIAS_SEED_OFFSET, makeInitializer, type InitializerSpec } from './initializers.js';
import { BatchNormalization } from './layers/batch-normalization.js';
import { ELU } from './layers/elu.js';
import { RReLU } from './layers/rrelu.js';
import { AlphaDropout, Dropout, isSeededLayer } from './layers/seeded-dropout.js';
import { deriveSeed } from '../../core/random.js';
import { withLayerSeed } from './layer-seeds.js';
import { createConvLayer } from './conv-layers.js';
import type { ConvLayerOptions } from './conv-options.js';
import { weightRegularizationArgs } from './weight-regularization.js';

/** Keras's LeakyReLU *layer* default slope (the `leaky_relu` activation uses 0.2). */
export const LEAKY_RELU_LAYER_ALPHA = 0.3;

/**
 * Every option any spec layer can carry. The schema's `LayerSpec` union is not discriminated in
 * TypeScript (its `type` fields are typed `string`), so layers are read through this flat view;
 * the schema has already checked which options go with which type.
 */
export interface LayerOptions extends ConvLayerOptions {
  type: string;
  name?: string;
  inputShape?: number[];
  trainable?: boolean;
  units?: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  rate?: number;
  seed?: number;
  alpha?: number;
  alphaInitializer?: InitializerSpec;
  sharedAxes?: number[];
  lower?: number;
  upper?: number;
  targetShape?: number[];
}

/** The flat view of a spec layer. */
export function layerOptions(spec: LayerSpec): LayerOptions {
  return spec as LayerOptions;
}

/** Options for {@link createLayer}. */
export interface CreateLayerOptions {
  /** The job's seed (`fit.seed`); layer `index` adds to it, so every layer draws differently but reproducibly. */
  seed?: number;
  /** Given to the model's first layer: the shape of one sample, without the batch dimension. */
  inputShape?: number[];
  /** The layer name to use when the spec has none. */
  name?: string;
}

/**
 * Creates the tfjs layer for one spec layer (index `index` in `model.layers`).
 * Unset options take Keras's defaults, which tfjs shares except where noted.
 */
export function createLayer(layerSpec: LayerSpec, index: number, opts: CreateLayerOptions = {}): tf.layers.Layer {
  const spec = layerOptions(withLayerSeed(layerSpec, index, opts.seed));
  const seed = opts.seed === undefined ? undefined : opts.seed + index;
  const common = {
    name: spec.name ?? opts.name,
    trainable: spec.trainable,
    ...(opts.inputShape ? { inputShape: opts.inputShape } : {}),
  };
  switch (spec.type) {
    case 'Flatten':
      return tf.layers.flatten(common);
    case 'Reshape':
      return tf.layers.reshape({ ...common, targetShape: spec.targetShape as number[] });
    case 'Dense':
      return tf.layers.dense({
        ...common,
        units: spec.units as number,
        activation: toTfjsActivation(spec.activation ?? 'linear'),
        useBias: spec.useBias ?? true,
        kernelInitializer: makeInitializer(spec.kernelInitializer ?? 'glorot_uniform', seed),
        biasInitializer: makeInitializer(spec.biasInitializer ?? 'zeros', seed === undefined ? undefined : seed + BIAS_SEED_OFFSET),
        ...weightRegularizationArgs(spec),
      });
    case 'BatchNormalization':
      // Our subclass: a frozen BN layer runs in inference mode, as in Keras.
      return new BatchNormalization({ ...common, momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 1e-3, center: spec.center, scale: spec.scale });
    case 'Activation':
      return tf.layers.activation({ ...common, activation: toTfjsActivation(spec.activation ?? 'linear') });
    case 'Dropout':
      // Our Dropout: a new mask per step drawn from the seed (tfjs's repeats one mask on every batch).
      return new Dropout({ ...common, rate: spec.rate as number, seed: spec.seed });
    case 'AlphaDropout':
      // Our AlphaDropout: tfjs's ignores its seed.
      return new AlphaDropout({ ...common, rate: spec.rate as number, seed: spec.seed });
    case 'LeakyReLU':
      return tf.layers.leakyReLU({ ...common, alpha: spec.alpha ?? LEAKY_RELU_LAYER_ALPHA });
    case 'PReLU':
      return tf.layers.prelu({ ...common, alphaInitializer: makeInitializer(spec.alphaInitializer ?? 'zeros', seed), sharedAxes: spec.sharedAxes });
    case 'ELU':
      // Our ELU: tfjs's rejects alpha != 1.
      return new ELU({ ...common, alpha: spec.alpha ?? 1 });
    case 'RReLU':
      return new RReLU({ ...common, lower: spec.lower, upper: spec.upper, seed: spec.seed });
    default: {
      const conv = createConvLayer(spec, common, seed);
      if (!conv) throw new Error(`Unknown layer type ${spec.type}`);
      return conv;
    }
  }
}

/**
 * Keras's automatic layer name stem for a class, its `to_snake_case` (`BatchNormalization` ->
 * `batch_normalization`, `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`).
 */
export function nameStem(type: string): string {
  return type
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Names for the spec's layers: the spec's own, else Keras-style `dense`, `dense_1`, ... skipping names
 * already taken (by the spec or the base), since tfjs rejects a model with two layers of one name.
 */
export function layerNames(layers: LayerSpec[], taken: Iterable<string> = []): string[] {
  const used = new Set<string>(taken);
  for (const spec of layers) if (spec.name) used.add(spec.name);
  const counters = new Map<string, number>();
  return layers.map((spec) => {
    if (spec.name) return spec.name;
    const stem = nameStem(spec.type);
    let n = counters.get(stem) ?? 0;
    let name = n === 0 ? stem : `${stem}_${n}`;
    while (used.has(name)) name = `${stem}_${++n}`;
    counters.set(stem, n + 1);
    used.add(name);
    return name;
  });
}

/** Reused random layers without a seed of their own draw from the job's seed too. */
function seedReusedLayers(reused: tf.layers.Layer[], jobSeed: number | undefined): void {
  if (jobSeed === undefined) return;
  reused.forEach((layer, i) => {
    if (isSeededLayer(layer)) layer.seedIfUnset(deriveSeed(jobSeed, 'base-layer', i));
  });
}

/** Options for {@link buildModel}. */
export interface BuildModelOptions {
  /** One sample's shape (the dataset's feature shape), without the batch dimension. */
  inputShape: number[];
  /** The job's seed (`fit.seed`), for reproducible initial weights. */
  seed?: number;
  /** Reused base layers, already cloned with their weights (see `prepareBaseLayers`), or a model holding them. */
  base?: tf.LayersModel | tf.layers.Layer[];
}

/** The reused layers, without a functional model's InputLayer. */
function baseLayers(base: tf.LayersModel | tf.layers.Layer[] | undefined): tf.layers.Layer[] {
  if (!base) return [];
  const layers = Array.isArray(base) ? base : base.layers;
  return layers.filter((layer) => layer.getClassName() !== 'InputLayer');
}

/**
 * Builds a Sequential model: the base layers (if any), then one tfjs layer per spec layer, keeping
 * spec layer names. The first layer receives `inputShape` unless the spec layer sets its own.
 * Throws the tfjs error of the first layer that cannot be built (check-spec reports these per layer).
 */
export function buildModel(layers: LayerSpec[], opts: BuildModelOptions): tf.LayersModel {
  const reused = baseLayers(opts.base);
  const names = layerNames(
    layers,
    reused.map((layer) => layer.name),
  );
  const model = tf.sequential();
  try {
    if (reused.length > 0 && reused[0].batchInputShape == null) {
      // A layer reused from the middle of a base has no input shape of its own; Sequential needs one.
      (reused[0] as { batchInputShape: tf.Shape }).batchInputShape = [null, ...opts.inputShape];
    }
    seedReusedLayers(reused, opts.seed);
    for (const layer of reused) model.add(layer);
    layers.forEach((spec, i) => {
      const first = reused.length === 0 && i === 0;
      model.add(createLayer(spec, i, { seed: opts.seed, name: names[i], inputShape: first ? (spec.inputShape ?? opts.inputShape) : undefined }));
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
