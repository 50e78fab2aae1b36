/**
 * Transfer learning: reuse a stored model's layers, with copies of their weights, under a new top.
 */
import * as tf from '@tensorflow/tfjs';
// The clones must be made from our registered classes (Keras-behaving BatchNormalization, RReLU, SpatialDropout2D, ELU with any alpha, leaky_relu,
// convolutions that train dilated, a DepthwiseConv2D that saves its constraint).
import './activations.js';
import './layers/batch-normalization.js';
import './layers/depthwise-conv.js';
import './layers/dilated-conv.js';
import './layers/elu.js';
import './layers/rrelu.js';
import './layers/seeded-dropout.js';
import './layers/spatial-dropout-2d.js';
// Cloned weights are the base's, whatever their constraints.
import './plain-weight-writes.js';
import { layerInputShape } from './shapes.js';

/** Which base layers to reuse: the spec's `base` options. */
export interface BaseSelection {
  /** Drop this many top layers. */
  dropLast?: number;
  /** Then keep only these: a count from the bottom, or layer names. */
  layers?: number | string[];
}

/** The result of {@link selectBaseLayers}. */
export interface SelectedLayers {
  /** Indices into the base's layers, bottom to top. */
  indices: number[];
  /** Names in `layers` that are not among the kept layers (missing, or dropped by `dropLast`). */
  unknownNames: string[];
}

/**
 * Resolves the spec's `base` options against the base's layer names (without its InputLayer):
 * first `dropLast` top layers go, then `layers` picks a count from the bottom or named layers
 * (kept in base order). Pure, so check-spec can use it without loading the base.
 */
export function selectBaseLayers(layerNames: readonly string[], opts: BaseSelection): SelectedLayers {
  const kept = layerNames.length - (opts.dropLast ?? 0);
  const all = Array.from({ length: Math.max(0, kept) }, (_, i) => i);
  if (opts.layers === undefined) return { indices: all, unknownNames: [] };
  if (typeof opts.layers === 'number') return { indices: all.slice(0, opts.layers), unknownNames: [] };
  const wanted = new Set(opts.layers);
  return {
    indices: all.filter((i) => wanted.has(layerNames[i])),
    unknownNames: opts.layers.filter((name) => !all.some((i) => layerNames[i] === name)),
  };
}

/** The layers of a model, without a functional model's InputLayer. */
export function modelLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
}

/**
 * A new, built layer of the same class and config, holding copies of the layer's weights.
 * The weights are copied through `data()` because tfjs's `clone` and `setWeights` share the
 * underlying buffer; a real copy guarantees the stored base never changes.
 */
async function cloneLayer(layer: tf.layers.Layer, first: boolean): Promise<tf.layers.Layer> {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new Error(`Layer class ${layer.getClassName()} is not registered`);
  const [cls, fromConfig] = entry;
  const config = { ...layer.getConfig() };
  const inputShape = layerInputShape(layer);
  // Only the bottom layer of the new model needs an input shape; it is the one this layer had in the base.
  delete config['batchInputShape'];
  delete config['inputShape'];
  if (first) config['batchInputShape'] = [null, ...inputShape.slice(1)];
  const clone = fromConfig(cls, config) as tf.layers.Layer;
  // build() creates the weights (with initial values we then overwrite) without connecting the layer anywhere.
  clone.build(inputShape);
  clone.built = true;
  // Layer.apply() builds inside the layer's name scope, so its weights are saved as `<layer>/kernel`;
  // a direct build() names them plain `kernel`, and a model saved with such names neither loads
  // (tf.loadLayersModel matches weights by scoped name) nor keeps two reused layers' weights apart.
  for (const weight of clone.weights) {
    const scoped = weight as unknown as { originalName: string };
    if (!scoped.originalName.startsWith(`${clone.name}/`)) scoped.originalName = `${clone.name}/${scoped.originalName}`;
  }
  const copies = await Promise.all(layer.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape, w.dtype)));
  try {
    clone.setWeights(copies);
  } finally {
    tf.dispose(copies);
  }
  return clone;
}

/** Options for {@link prepareBaseLayers}. */
export interface PrepareBaseOptions extends BaseSelection {
  /** Freeze the reused layers (for the first phase of transfer learning). */
  freeze?: boolean;
}

/**
 * Clones the selected layers of `base` with copies of their weights, ready to be added to a new
 * model (`buildModel(..., { base: layers })`). The base model is not modified and stays usable.
 * Layer names are kept; `reusedNames` lists them.
 */
export async function prepareBaseLayers(base: tf.LayersModel, opts: PrepareBaseOptions = {}): Promise<{ layers: tf.layers.Layer[]; reusedNames: string[] }> {
  const source = modelLayers(base);
  const { indices, unknownNames } = selectBaseLayers(
    source.map((layer) => layer.name),
    opts,
  );
  if (unknownNames.length > 0) throw new Error(`The base model has no layers named ${unknownNames.join(', ')}`);
  if (indices.length === 0) throw new Error('No base layers are left to reuse');
  const layers: tf.layers.Layer[] = [];
  try {
    for (const [n, i] of indices.entries()) layers.push(await cloneLayer(source[i], n === 0));
  } catch (err) {
    for (const layer of layers) layer.dispose();
    throw err;
  }
  if (opts.freeze) setFrozen(layers, true);
  return { layers, reusedNames: layers.map((layer) => layer.name) };
}

/**
 * Freezes or unfreezes layers. As in Keras, the model must be compiled again afterwards for the
 * change to reach the optimizer; a frozen BatchNormalization layer also stops updating its moving statistics.
 */
export function setFrozen(layers: readonly tf.layers.Layer[], frozen: boolean): void {
  for (const layer of layers) layer.trainable = !frozen;
}
