/**
 * Keras's SpatialDropout2D, which tfjs lacks: in training, drops whole channels of a
 * [batch, height, width, channels] input (the mask's shape is [batch, 1, 1, channels]) and scales
 * the kept ones by 1 / (1 - rate); at inference it passes its input through. Neighbouring pixels of
 * a feature map are strongly correlated, so dropping single values barely regularizes a
 * convolution; dropping the map does.
 *
 * It is the service's seeded Dropout with another noise shape (as tfjs's SpatialDropout1D is
 * tfjs's Dropout), so it draws a new mask each training step from its seed, the same sequence in
 * every run with that seed.
 */
import * as tf from '@tensorflow/tfjs';
import { Dropout } from './seeded-dropout.js';

/** Options of the SpatialDropout2D layer, plus the common layer options. */
export type SpatialDropout2DArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & { rate: number; seed?: number };

/** Channel dropout; registered as `SpatialDropout2D` so models using it save and load. */
export class SpatialDropout2D extends Dropout {
  static override className = 'SpatialDropout2D';

  constructor(args: SpatialDropout2DArgs) {
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SpatialDropout2D rate must be in [0, 1), got ${args.rate}`);
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 4) throw new Error(`SpatialDropout2D expects [batch, height, width, channels] inputs, got rank ${x.rank}`);
    return super.call(inputs, kwargs);
  }

  override getNoiseShape(input: tf.Tensor): number[] {
    return [input.shape[0], 1, 1, input.shape[3] as number];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    // The noise shape follows from the input; Keras's SpatialDropout2D has no such option.
    delete config['noiseShape'];
    return config;
  }
}
tf.serialization.registerClass(SpatialDropout2D as unknown as tf.serialization.SerializableConstructor<SpatialDropout2D>);
