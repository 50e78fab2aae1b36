/**
 * Keras's SpatialDropout2D, which tfjs lacks: in training, drops whole channels of a
 * [batch, height, width, channels] input (the mask's shape is [batch, 1, 1, channels]) and scales
 * the kept ones by 1 / (1 - rate); at inference it passes its input through. Neighbouring pixels of
 * a feature map are strongly correlated, so dropping single values barely regularizes a
 * convolution; dropping the map does.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of the SpatialDropout2D layer, plus the common layer options. */
export type SpatialDropout2DArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & { rate: number; seed?: number };

/** Channel dropout; registered as `SpatialDropout2D` so models using it save and load. */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = 'SpatialDropout2D';
  readonly rate: number;
  readonly seed: number | undefined;
  /** Counts training calls, so a seeded layer draws a new mask per batch yet repeats across runs. */
  private draws = 0;

  constructor(args: SpatialDropout2DArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
    if (!(this.rate >= 0 && this.rate < 1)) throw new Error(`SpatialDropout2D rate must be in [0, 1), got ${this.rate}`);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x.rank !== 4) throw new Error(`SpatialDropout2D expects [batch, height, width, channels] inputs, got rank ${x.rank}`);
      if (kwargs['training'] !== true || this.rate === 0) return tf.clone(x);
      const seed = this.seed === undefined ? undefined : this.seed + this.draws;
      this.draws += 1;
      const keep = 1 - this.rate;
      // floor(keep + U[0, 1)) is 1 with probability keep.
      const mask = tf.floor(tf.add(tf.randomUniform([x.shape[0], 1, 1, x.shape[3] as number], 0, 1, 'float32', seed), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { rate: this.rate };
    if (this.seed !== undefined) config['seed'] = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SpatialDropout2D);
