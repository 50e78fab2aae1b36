import type * as tf from '@tensorflow/tfjs';

/** Same rank and same dimensions (null, an open dimension, matches only null). */
export const sameShape = (a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The input shape (batch dimension included) a built layer received in its model. */
export function layerInputShape(layer: tf.layers.Layer): tf.Shape {
  const input = layer.getInputAt(0);
  return (Array.isArray(input) ? input[0] : input).shape;
}
