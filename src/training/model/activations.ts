/**
 * Maps the spec's activation names (Keras spelling) to what tfjs layers accept.
 *
 * tfjs 4.22 has every Keras activation the spec allows except `leaky_relu`, which is registered here
 * as a tfjs activation class so `Dense({ activation: 'leaky_relu' })` stays one layer, as in Keras
 * (layer counts matter for `base.dropLast` and summaries).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName } from '../../schemas/job-spec.js';

/** Keras's `leaky_relu` activation default slope (`negative_slope=0.2`); the LeakyReLU *layer* defaults to 0.3. */
export const LEAKY_RELU_ACTIVATION_SLOPE = 0.2;

/**
 * The `leaky_relu` activation function, as a tfjs activation object.
 *
 * tfjs looks string activations up by class name in the serialization map. Saving snake-cases the
 * name to `leaky_relu` (the Keras name) and loading camel-cases it back to `leakyRelu`, so that is
 * the class name. Loading a saved model needs this module imported first.
 */
export class LeakyReluActivation extends tf.serialization.Serializable {
  static className = 'leakyRelu';

  /** Applies max(x, 0.2 x). Called by tfjs layers, which dispose the result themselves. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(x, LEAKY_RELU_ACTIVATION_SLOPE);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(LeakyReluActivation);

/** Keras names that tfjs spells differently. */
const RENAMED: Partial<Record<ActivationName, string>> = {
  hard_sigmoid: 'hardSigmoid', // tfjs's is tf.keras 2's 0.2x + 0.5 clipped to [0, 1]
  leaky_relu: LeakyReluActivation.className,
};

/** The tfjs activation identifier for a spec activation name, usable as a layer's `activation` option. */
export function toTfjsActivation(name: ActivationName): any {
  return RENAMED[name] ?? name;
}
