/**
 * Makes setting a layer weight's value (`setWeights`, loading a saved model, cloning a transfer
 * base, restoring a checkpoint or the best epoch's weights) store exactly that value, as in Keras.
 *
 * tfjs's `LayerVariable.write`, the path of all of those, also projects the value onto the
 * weight's constraint (max-norm, unit-norm, non-negative), so a loaded model's weights were not the
 * saved ones (a max-norm projection rescales even weights within the limit, by norm / (norm + 1e-7)),
 * and a resumed run would take one extra projection. The constraints belong after each training
 * update, where `training/loop/weight-constraints.ts` applies them. Importing this module installs it.
 */
import * as tf from '@tensorflow/tfjs';

type Writable = { constraint: tf.LayerVariable['constraint'] | null };

const tfjsWrite = tf.LayerVariable.prototype.write;

tf.LayerVariable.prototype.write = function write(this: tf.LayerVariable, value: tf.Tensor) {
  const self = this as unknown as Writable;
  const constraint = self.constraint;
  // tfjs's write applies the constraint when it has one; hide it for the call, keeping tfjs's checks.
  self.constraint = null;
  try {
    return tfjsWrite.call(this, value);
  } finally {
    self.constraint = constraint;
  }
};
