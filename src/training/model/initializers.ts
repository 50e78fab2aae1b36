/**
 * Maps the spec's weight initializers (Keras names, tfjs twins, VarianceScaling objects) to tfjs
 * initializers that draw from exactly the distribution Keras draws from.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Standard deviation of a standard normal truncated to [-2, 2].
 * Keras divides by it so a truncated normal keeps the variance `scale / fan`; tfjs does not.
 */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'normal' | 'truncated_normal' | 'uniform';

/**
 * A spec initializer: a Keras or tfjs name, or a VarianceScaling object (the schema's `Initializer`;
 * restated here because the schema's static type loses the name literals).
 */
export type InitializerSpec = string | InitializerObject;

/** The initializer classes a spec may name with arguments (Keras class names and argument names). */
export type InitializerObject =
  | { type: 'VarianceScaling'; scale?: number; mode?: FanMode; distribution?: Distribution; seed?: number }
  | { type: 'RandomNormal' | 'TruncatedNormal'; mean?: number; stddev?: number; seed?: number }
  | { type: 'RandomUniform'; minval?: number; maxval?: number; seed?: number }
  | { type: 'Constant'; value?: number }
  | { type: 'Orthogonal'; gain?: number; seed?: number }
  | { type: 'Identity'; gain?: number };

/** A tfjs initializer (tfjs does not export the base class's type under a public name). */
export type TfInitializer = ReturnType<typeof tf.initializers.zeros>;

const TFJS_MODE = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' } as const;

/**
 * A Keras VarianceScaling initializer built on tfjs's own class.
 *
 * tfjs's `normal` distribution is already a normal truncated at two standard deviations, but with
 * stddev sqrt(scale / fan), so its variance is about 0.77 * scale / fan. Keras uses stddev
 * sqrt(scale / fan) / 0.8796..., which gives the variance back. Scaling `scale` by 1 / 0.8796² makes
 * tfjs draw Keras's distribution while staying a plain, registered `VarianceScaling` (saved models
 * load anywhere; the saved `scale` is the corrected one). tfjs's `truncatedNormal` distribution value
 * is not used: tfjs 4.22 silently draws uniform samples for it.
 */
function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, seed: number | undefined): TfInitializer {
  const uniform = distribution === 'uniform';
  return tf.initializers.varianceScaling({
    scale: uniform ? scale : scale / TRUNCATED_NORMAL_STDDEV ** 2,
    mode: TFJS_MODE[mode],
    distribution: uniform ? 'uniform' : 'normal',
    seed,
  });
}

/** Keras's named VarianceScaling presets: [scale, mode, distribution]. */
const PRESETS: Record<string, [number, FanMode, Distribution]> = {
  glorot_uniform: [1, 'fan_avg', 'uniform'],
  glorot_normal: [1, 'fan_avg', 'truncated_normal'],
  he_uniform: [2, 'fan_in', 'uniform'],
  he_normal: [2, 'fan_in', 'truncated_normal'],
  lecun_uniform: [1, 'fan_in', 'uniform'],
  lecun_normal: [1, 'fan_in', 'truncated_normal'],
};

/** tfjs camelCase spellings -> the Keras name they mean. */
const ALIASES: Record<string, string> = {
  glorotUniform: 'glorot_uniform',
  glorotNormal: 'glorot_normal',
  heUniform: 'he_uniform',
  heNormal: 'he_normal',
  leCunUniform: 'lecun_uniform',
  lecunUniform: 'lecun_uniform',
  leCunNormal: 'lecun_normal',
  lecunNormal: 'lecun_normal',
  randomNormal: 'random_normal',
  randomUniform: 'random_uniform',
  truncatedNormal: 'truncated_normal',
};

/** The Keras name for a spec initializer name (`heNormal` -> `he_normal`). */
export function kerasInitializerName(name: string): string {
  return ALIASES[name] ?? name;
}

/**
 * Builds the tfjs initializer for a spec initializer, with Keras's defaults and formulas
 * (`random_normal` stddev 0.05, `random_uniform` ±0.05, `*_normal` truncated with variance scale/fan).
 * `seed` makes the draw reproducible; a `seed` inside a VarianceScaling object wins over it.
 */
export function makeInitializer(spec: InitializerSpec, seed?: number): TfInitializer {
  if (typeof spec === 'object') return fromObject(spec, seed);
  const name = kerasInitializerName(spec);
  const preset = PRESETS[name];
  if (preset) return varianceScaling(preset[0], preset[1], preset[2], seed);
  switch (name) {
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
    case 'random_normal':
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed });
    case 'random_uniform':
      return tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
    case 'truncated_normal':
      // Keras's TruncatedNormal takes its stddev as given (no 0.8796 correction), as tfjs does.
      return tf.initializers.truncatedNormal({ mean: 0, stddev: 0.05, seed });
    case 'orthogonal':
      return tf.initializers.orthogonal({ gain: 1, seed });
    case 'identity':
      // tfjs only builds square 2D identities; a non-square kernel fails at build time (check-spec reports it).
      return tf.initializers.identity({ gain: 1 });
    default:
      throw new Error(`Unknown initializer: ${String(spec)}`);
  }
}

/** An initializer class with arguments, with Keras's defaults for those not given. */
function fromObject(spec: InitializerObject, seed: number | undefined): TfInitializer {
  switch (spec.type) {
    case 'VarianceScaling':
      return varianceScaling(spec.scale ?? 1, spec.mode ?? 'fan_in', spec.distribution ?? 'truncated_normal', spec.seed ?? seed);
    case 'RandomNormal':
      return tf.initializers.randomNormal({ mean: spec.mean ?? 0, stddev: spec.stddev ?? 0.05, seed: spec.seed ?? seed });
    case 'TruncatedNormal':
      return tf.initializers.truncatedNormal({ mean: spec.mean ?? 0, stddev: spec.stddev ?? 0.05, seed: spec.seed ?? seed });
    case 'RandomUniform':
      return tf.initializers.randomUniform({ minval: spec.minval ?? -0.05, maxval: spec.maxval ?? 0.05, seed: spec.seed ?? seed });
    case 'Constant':
      return tf.initializers.constant({ value: spec.value ?? 0 });
    case 'Orthogonal':
      return tf.initializers.orthogonal({ gain: spec.gain ?? 1, seed: spec.seed ?? seed });
    case 'Identity':
      return tf.initializers.identity({ gain: spec.gain ?? 1 });
  }
}

/** Offset between a layer's kernel seed and its bias seed, so the two draws differ. */
export const BIAS_SEED_OFFSET = 7919;
