/**
 * Dropout and AlphaDropout whose masks come from the layer's seed, a new mask every training step.
 *
 * tfjs's Dropout passes its `seed` unchanged to every call, so a seeded layer drops the same units
 * on every batch (which is not dropout); its AlphaDropout ignores any seed and draws from
 * Math.random. These layers draw step k's mask with `deriveSeed(seed, k)`: different masks from
 * step to step, the same sequence in every run with that seed. Without a seed they draw freshly.
 *
 * Both keep their Keras class names and replace tfjs's entries in the serialization map, as the
 * BatchNormalization subclass does, so saved models stay plain tfjs models and a reused base layer
 * gets these semantics too. Importing this module is what installs them.
 *
 * MC dropout (`withDropoutSampling`) switches a model's dropout layers on at inference, and only
 * them: `startSampling` makes a layer draw masks from a stream of its own while the model predicts
 * (BatchNormalization and the rest stay in inference), and leaves the training step count alone.
 *
 * A dropout variant with another mask shape (SpatialDropout2D: one draw per channel) extends
 * this Dropout and overrides `getNoiseShape`, as tfjs's SpatialDropout1D does, and so draws per
 * step too; the model builder gives it a seed derived from the job's when its schema takes `seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../../core/random.js';

type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type TfjsDropout = ReturnType<typeof tf.layers.dropout>;

// tfjs does not export the class (and a deep import would load a second copy of tfjs-layers).
const TfjsDropoutClass = tf.layers.dropout({ rate: 0 }).constructor as new (args: DropoutArgs) => TfjsDropout;

/** Counts a layer's training steps and names each one's seed. */
class StepSeeds {
  private steps = 0;
  constructor(public seed: number | undefined) {}
  /** The seed of the next training step's draw, or undefined (a fresh draw) without a layer seed. */
  next(): number | undefined {
    const step = this.steps++;
    return this.seed === undefined ? undefined : deriveSeed(this.seed, 'step', step);
  }
}

/** A layer whose random draws follow a seed the model builder may set after construction. */
export interface SeededLayer {
  /** The layer's seed, or undefined when it draws from Math.random. */
  readonly layerSeed: number | undefined;
  /** Gives an unseeded layer a seed (a job's derived seed); a layer's own seed is kept. */
  seedIfUnset(seed: number): void;
}

/** A dropout layer MC dropout can keep active while the model predicts in inference mode. */
export interface SampledDropout {
  /** The fraction of units dropped (0 drops none). */
  readonly dropRate: number;
  /** Drops units on every call, training or not, each call's mask from `seed`'s stream (fresh draws without one), until stopSampling. */
  startSampling(seed: number | undefined): void;
  stopSampling(): void;
}

/** Whether `layer` is one of the dropout layers MC dropout can sample. */
export function isSampledDropout(layer: unknown): layer is SampledDropout {
  return typeof (layer as Partial<SampledDropout>).startSampling === 'function';
}

/** Whether `layer` is one of the seeded layers. */
export function isSeededLayer(layer: unknown): layer is SeededLayer {
  return typeof (layer as Partial<SeededLayer>).seedIfUnset === 'function';
}

/** Dropout with a new, seed-derived mask at every training step. */
export class Dropout extends TfjsDropoutClass implements SeededLayer, SampledDropout {
  static className = 'Dropout';
  private readonly draws: StepSeeds;
  private sampling: StepSeeds | null = null;

  constructor(args: DropoutArgs) {
    super(args);
    this.draws = new StepSeeds(args.seed ?? undefined);
  }

  get layerSeed(): number | undefined {
    return this.draws.seed;
  }

  seedIfUnset(seed: number): void {
    this.draws.seed ??= seed;
  }

  startSampling(seed: number | undefined): void {
    this.sampling = new StepSeeds(seed);
  }

  get dropRate(): number {
    return (this as unknown as { rate: number }).rate;
  }

  stopSampling(): void {
    this.sampling = null;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as { seed: number | undefined; rate: number };
    const training = kwargs['training'] === true || this.sampling !== null;
    if (!training || !(self.rate > 0 && self.rate < 1)) return super.call(inputs, kwargs);
    // tfjs reads `this.seed` for the draw: hand it this step's seed for the duration of the call.
    self.seed = (this.sampling ?? this.draws).next();
    try {
      return super.call(inputs, { ...kwargs, training: true });
    } finally {
      self.seed = this.draws.seed;
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    if (this.draws.seed === undefined) delete config['seed'];
    else config['seed'] = this.draws.seed;
    return config;
  }
}
// The class taken from an instance has no static type for fromConfig (tfjs provides it at run time).
tf.serialization.registerClass(Dropout as unknown as tf.serialization.SerializableConstructor<Dropout>);

/** SELU's constants, as tfjs and Keras define them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** AlphaDropout's options: Keras's `rate`, `noiseShape` and `seed`. */
export type AlphaDropoutArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & { rate: number; noiseShape?: number[]; seed?: number };

/**
 * Keras AlphaDropout (keeps SELU's self-normalization): dropped units are set to SELU's negative
 * saturation value, then an affine map restores the mean and variance. The same arithmetic as
 * tfjs's layer, with the mask drawn from the step's seed.
 */
export class AlphaDropout extends tf.layers.Layer implements SeededLayer, SampledDropout {
  static className = 'AlphaDropout';
  readonly rate: number;
  readonly noiseShape: number[] | undefined;
  private readonly draws: StepSeeds;
  private sampling: StepSeeds | null = null;

  constructor(args: AlphaDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape;
    this.draws = new StepSeeds(args.seed ?? undefined);
    this.supportsMasking = true;
  }

  get layerSeed(): number | undefined {
    return this.draws.seed;
  }

  seedIfUnset(seed: number): void {
    this.draws.seed ??= seed;
  }

  startSampling(seed: number | undefined): void {
    this.sampling = new StepSeeds(seed);
  }

  stopSampling(): void {
    this.sampling = null;
  }

  get dropRate(): number {
    return this.rate;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = kwargs['training'] === true || this.sampling !== null;
    if (!training || !(this.rate > 0 && this.rate < 1)) return x;
    const seed = (this.sampling ?? this.draws).next();
    return tf.tidy(() => {
      const alphaP = -SELU_ALPHA * SELU_SCALE;
      const kept = tf.cast(tf.greaterEqual(tf.randomUniform(this.noiseShape ?? x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      const a = ((1 - this.rate) * (1 + this.rate * alphaP ** 2)) ** -0.5;
      const b = -a * alphaP * this.rate;
      const masked = tf.add(tf.mul(x, kept), tf.mul(tf.add(kept, -1), alphaP));
      return tf.add(tf.mul(masked, a), b);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { rate: this.rate };
    if (this.noiseShape !== undefined) config['noiseShape'] = this.noiseShape;
    if (this.draws.seed !== undefined) config['seed'] = this.draws.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(AlphaDropout);
