/**
 * tfjs's DepthwiseConv2D with its depthwise constraint saved. tfjs's getConfig writes the depthwise
 * *regularizer* under `depthwiseConstraint`, so a saved layer lost its constraint, and one with a
 * regularizer loaded that penalty as its constraint (projecting the kernel onto a scalar). This
 * layer keeps the Keras class name and replaces tfjs's entry in the serialization map, so every
 * model loaded in this process reads its config as saved. Importing this module installs it.
 */
import * as tf from '@tensorflow/tfjs';

type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];
type TfConstraint = ReturnType<typeof tf.constraints.maxNorm>;

// tfjs does not export the class; take it from an instance made by the public factory.
const TfjsDepthwiseConv2D = tf.layers.depthwiseConv2d({ kernelSize: 1 }).constructor as new (
  args: DepthwiseArgs,
) => ReturnType<typeof tf.layers.depthwiseConv2d>;

/** A constraint as Keras serializes it: its class name and config, or null. */
function serializeConstraint(constraint: TfConstraint | null | undefined): tf.serialization.ConfigDict | null {
  return constraint ? { className: constraint.getClassName(), config: constraint.getConfig() } : null;
}

/** DepthwiseConv2D whose saved config keeps its depthwise constraint; see the module comment. */
export class DepthwiseConv2D extends TfjsDepthwiseConv2D {
  static className = 'DepthwiseConv2D';

  override getConfig(): tf.serialization.ConfigDict {
    // Declared private in tfjs's typings.
    const { depthwiseConstraint } = this as unknown as { depthwiseConstraint?: TfConstraint | null };
    return { ...super.getConfig(), depthwiseConstraint: serializeConstraint(depthwiseConstraint) };
  }
}

// The cast: tfjs's SerializableConstructor type does not see the static className through the factory-derived base.
tf.serialization.registerClass(DepthwiseConv2D as any);
