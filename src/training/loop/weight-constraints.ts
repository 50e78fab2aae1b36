/**
 * Weight constraints (max-norm, unit-norm, non-negative) applied after every training step, as
 * Keras's optimizers do.
 *
 * tfjs keeps a layer weight's constraint on its `LayerVariable` but applies it only in
 * `LayerVariable.write`; `model.fit` updates the underlying variables through the optimizer
 * (`Optimizer.minimize` -> `applyGradients`), which never calls `write`, so without this a
 * constraint would be saved with the model and never enforced. Projecting inside
 * `applyGradients` (rather than in a batch-end callback) also means the validation that tfjs
 * runs right after an epoch's last step already sees the constrained weights.
 */
import * as tf from '@tensorflow/tfjs';
// Constraints apply here only, not again when a checkpoint or the best epoch's weights are set.
import '../model/plain-weight-writes.js';

/** A layer weight (tfjs's `LayerVariable`, which tfjs does not export under a public name). */
type LayerWeight = tf.LayersModel['trainableWeights'][number];

/** Projects each weight onto its constraint, in place. */
export function applyWeightConstraints(weights: readonly LayerWeight[]): void {
  tf.tidy(() => {
    for (const weight of weights) {
      // read() is typed as a Tensor but is the weight's own tf.Variable.
      const value = weight.read() as tf.Variable;
      value.assign(weight.constraint.apply(value));
    }
  });
}

/**
 * Makes the optimizer `model` was compiled with apply the constraints of the model's trainable
 * weights after each update. Returns the function that undoes it (call it when the phase ends:
 * a later compile may freeze or unfreeze layers, which changes the weights that train).
 */
export function constrainAfterEachUpdate(model: tf.LayersModel): () => void {
  const constrained = model.trainableWeights.filter((weight) => weight.constraint != null);
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (constrained.length === 0 || !optimizer) return () => undefined;
  // The clipping hook may already have replaced applyGradients on this instance; keep it underneath.
  const ownBefore = Object.prototype.hasOwnProperty.call(optimizer, 'applyGradients') ? optimizer.applyGradients : undefined;
  const update = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads) => {
    update(grads);
    applyWeightConstraints(constrained);
  };
  return () => {
    if (ownBefore) optimizer.applyGradients = ownBefore;
    else delete (optimizer as Partial<tf.Optimizer>).applyGradients;
  };
}
