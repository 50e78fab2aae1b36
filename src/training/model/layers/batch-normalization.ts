/**
 * tfjs's BatchNormalization with two Keras behaviours it lacks:
 *
 * - A frozen layer (`trainable = false`) runs in inference mode, so `fit` neither normalizes with batch
 *   statistics nor updates the moving mean/variance (tf.keras >= 2.1 behaviour, relied on by transfer
 *   learning). tfjs keeps updating them.
 * - `center: false` / `scale: false` train: tfjs reads the missing beta/gamma unconditionally in training.
 *
 * The subclass keeps the class name `BatchNormalization` and replaces tfjs's entry in the
 * serialization map, so saved models stay plain tfjs models and every model loaded in this process
 * (artifacts, transfer bases) gets these semantics. Importing this module is what installs it.
 */
import * as tf from '@tensorflow/tfjs';
import { normalizeBatchFused } from './batch-norm-training.js';

type BatchNormalizationArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type TfjsBatchNormalization = ReturnType<typeof tf.layers.batchNormalization>;

// tfjs does not export the class itself (and a deep import would load a second copy of tfjs-layers),
// so take it from an instance made by the public factory.
const TfjsBatchNormalizationClass = tf.layers.batchNormalization({}).constructor as new (args?: BatchNormalizationArgs) => TfjsBatchNormalization;

/**
 * Stands in for an absent gamma (ones) or beta (zeros): tfjs's training path calls `.read()` on them
 * unconditionally, and its batchNorm gradient fails on a null scale. The constants are created inside
 * the layer's tidy, so they are released with it.
 */
const constantWeight = (dim: number, value: number) => ({ read: () => tf.fill([dim], value) });

/** The tfjs layer's private fields the training path reads. */
interface BatchNormalizationFields {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: { read(): tf.Tensor1D };
  beta: { read(): tf.Tensor1D };
  movingMean: { read(): tf.Tensor; write(value: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(value: tf.Tensor): void };
}

/** BatchNormalization with Keras semantics for frozen layers; see the module comment. */
export class BatchNormalization extends TfjsBatchNormalizationClass {
  static className = 'BatchNormalization';

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    super.build(inputShape);
    // tfjs declares these fields private.
    const self = this as unknown as { gamma?: unknown; beta?: unknown; scale: boolean; center: boolean; axis: number };
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const dim = shape[self.axis >= 0 ? self.axis : shape.length + self.axis] as number;
    if (!self.scale) self.gamma = constantWeight(dim, 1);
    if (!self.center) self.beta = constantWeight(dim, 0);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    // A frozen layer behaves as at inference, whatever phase the model is in.
    const training = kwargs['training'] === true && this.trainable;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormalizationFields;
    const lastAxis = self.axis === -1 || self.axis === input.shape.length - 1;
    if (!training || !lastAxis || input.shape.length < 2 || input.dtype !== 'float32') return super.call(inputs, { ...kwargs, training });
    // Training over the last axis (Dense layers' outputs): the fused step with the closed-form
    // gradient, normalizeBatchFused.
    return tf.tidy(() => {
      const features = input.shape[input.shape.length - 1];
      const { normed, mean, variance } = normalizeBatchFused(input.reshape([-1, features]), self.gamma.read(), self.beta.read(), self.epsilon);
      // The moving averages exactly as tfjs updates them.
      try {
        for (const [variable, value] of [
          [self.movingMean, mean],
          [self.movingVariance, variance],
        ] as const) {
          tf.tidy(() => {
            const orig = variable.read();
            variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
          });
        }
      } finally {
        tf.dispose([mean, variance]);
      }
      return normed.reshape(input.shape);
    });
  }
}
// The cast: tfjs's SerializableConstructor type does not see the static className through the factory-derived base.
tf.serialization.registerClass(BatchNormalization as any);

/** Creates a Keras-behaving BatchNormalization layer (Keras defaults: momentum 0.99, epsilon 0.001). */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}
