/**
 * The ELU layer with any `alpha`: tfjs 4.22's ELU layer throws for alpha != 1.
 *
 * It keeps the Keras class name `ELU` and replaces tfjs's entry in the serialization map, so saved
 * models read as Keras ELU layers and load in this process whatever their alpha. Importing this
 * module installs it.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of the ELU layer, plus the common layer options. */
export type ELUArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & { alpha?: number };

/** Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise (Keras default alpha 1). */
export class ELU extends tf.layers.Layer {
  static className = 'ELU';
  readonly alpha: number;

  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      // tf.elu has a kernel for alpha 1; other alphas scale its negative part, elu(x) - relu(x).
      // (No comparison masks: tfjs has no gradient for Greater.)
      const elu = tf.elu(x);
      if (this.alpha === 1) return elu;
      const pos = tf.relu(x);
      return tf.add(pos, tf.mul(tf.sub(elu, pos), this.alpha));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { alpha: this.alpha, ...super.getConfig() };
  }
}
tf.serialization.registerClass(ELU);
