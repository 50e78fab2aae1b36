/**
 * Parameter counts as Keras's `model.summary()` prints them.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from './types.js';

function outputShapeOf(layer: tf.layers.Layer): Array<number | null> {
  const shape = layer.outputShape;
  // Single-output layers give one shape; multi-output ones a list of shapes: report the first.
  return (Array.isArray(shape[0]) ? shape[0] : shape) as Array<number | null>;
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
      trainable: layer.trainable,
    }));
  const totalParams = layers.reduce((sum, layer) => sum + layer.params, 0);
  // model.trainableWeights already leaves out frozen layers and non-trainable weights.
  const trainableParams = model.trainableWeights.reduce((sum, weight) => sum + size(weight), 0);
  return { layers, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams };
}
