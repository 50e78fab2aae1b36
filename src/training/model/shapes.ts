import type * as tf from '@tensorflow/tfjs';

/** Same rank and same dimensions (null, an open dimension, matches only null). */
export const sameShape = (a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The input shape (batch dimension included) a built layer received in its model. */
export function layerInputShape(layer: tf.layers.Layer): tf.Shape {
  const input = layer.getInputAt(0);
  return (Array.isArray(input) ? input[0] : input).shape;
}

/**
 * The sample shape a job trains on: grey images stored as [height, width] are read as
 * [height, width, 1] when the model asks for that (its first layer's `inputShape`, or the base
 * model's input), so convolutions get their channel axis; anything else keeps the dataset's shape.
 */
export function channelShape(featureShape: readonly number[], wanted: ReadonlyArray<number | null> | undefined): number[] {
  const grey = wanted !== undefined && featureShape.length === 2 && wanted.length === 3 && wanted[2] === 1;
  return grey && wanted[0] === featureShape[0] && wanted[1] === featureShape[1] ? [...featureShape, 1] : [...featureShape];
}
