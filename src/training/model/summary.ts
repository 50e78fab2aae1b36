/**
 * Parameter counts as Keras's `model.summary()` prints them.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../core/run-types.js';

function outputShapeOf(layer: tf.layers.Layer): Array<number | null> {
  const shape = layer.outputShape;
  // Single-output layers give one shape; multi-output ones a list of shapes: report the first.
  const first = (Array.isArray(shape[0]) ? shape[0] : shape) as unknown[];
  // tfjs passes on whatever an imported topology says; the summary is stored and served with
  // its schema (integers or null), and one value of another kind would make it unservable.
  return first.map((d) => (Number.isInteger(d) ? (d as number) : null));
}

function size(weight: tf.LayerVariable): number {
  return weight.shape.reduce((a: number, b) => a * (b ?? 1), 1);
}

/**
 * Summarizes a built model: per-layer output shape, parameter count and trainable flag, and the totals.
 * A frozen layer's weights, and every layer's non-trainable weights (BatchNormalization's moving
 * mean and variance), count as non-trainable, as in Keras.
 */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({
      name: layer.name,
      type: layer.getClassName(),
      outputShape: outputShapeOf(layer),
      params: layer.countParams(),
      // An imported config may say `trainable: {}`; tfjs then treats the layer as trainable.
      trainable: Boolean(layer.trainable),
    }));
  const totalParams = layers.reduce((sum, layer) => sum + layer.params, 0);
  // model.trainableWeights already leaves out frozen layers and non-trainable weights.
  const trainableParams = model.trainableWeights.reduce((sum, weight) => sum + size(weight), 0);
  return { layers, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams };
}
