/**
 * Randomized leaky ReLU (Xu et al., 2015): during training each negative input gets its own slope
 * drawn from U(lower, upper); at inference the slope is fixed at (lower + upper) / 2.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../../core/random.js';
import type { SeededLayer } from './seeded-dropout.js';

/** Options of the RReLU layer, plus the common layer options (name, inputShape, trainable...). */
export type RReLUArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & { lower?: number; upper?: number; seed?: number };

/** A randomized leaky ReLU layer; registered as `RReLU` so models using it save and load. */
export class RReLU extends tf.layers.Layer implements SeededLayer {
  static className = 'RReLU';
  readonly lower: number;
  readonly upper: number;
  seed: number | undefined;
  /** Counts training calls, so a seeded layer draws new slopes per batch yet repeats across runs. */
  private draws = 0;

  constructor(args: RReLUArgs = {}) {
    super(args);
    this.lower = args.lower ?? 1 / 8;
    this.upper = args.upper ?? 1 / 3;
    this.seed = args.seed;
    if (this.lower > this.upper) throw new Error(`RReLU lower (${this.lower}) must not exceed upper (${this.upper})`);
    this.supportsMasking = true;
  }

  get layerSeed(): number | undefined {
    return this.seed;
  }

  seedIfUnset(seed: number): void {
    this.seed ??= seed;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      let slope: tf.Tensor | number;
      if (kwargs['training'] === true && this.lower < this.upper) {
        // Hashed, not seed + draws: that would replay a neighbouring seed's stream one step later.
        const seed = this.seed === undefined ? undefined : deriveSeed(this.seed, 'step', this.draws);
        this.draws += 1;
        slope = tf.randomUniform(x.shape, this.lower, this.upper, 'float32', seed);
      } else {
        slope = (this.lower + this.upper) / 2;
      }
      // relu(x) - slope * relu(-x): no comparison masks, which tfjs cannot differentiate through.
      return tf.sub(tf.relu(x), tf.mul(slope, tf.relu(tf.neg(x))));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { lower: this.lower, upper: this.upper };
    if (this.seed !== undefined) config['seed'] = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(RReLU);
