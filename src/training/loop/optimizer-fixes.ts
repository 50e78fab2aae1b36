/**
 * Corrections to two tfjs 4.22 update rules that differ from Keras's (found by checkpointing every
 * optimizer in the tests):
 * - centered RMSprop divides by sqrt(ms - (mg² + epsilon)) instead of sqrt(ms - mg² + epsilon),
 *   so any weight whose gradient is ~constant (or 0, e.g. below a dead ReLU) turns NaN at once;
 * - Adadelta scales the step by the accumulated squared gradient from *before* this step, so its
 *   first step is a plain SGD step of size `learningRate` (1.0 in the paper diverges at once).
 * Both keep tfjs's slot layout and names, so checkpoints and `getWeights()` are unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs's { name, tensor } pair (not exported from the tfjs umbrella package). */
export type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slot {
  originalName: string;
  variable: tf.Variable;
}
type Gradients = tf.NamedTensorMap | NamedTensor[];

/** Each (variable, gradient) pair of an `applyGradients` call, with its index. */
function pairs(gradients: Gradients): Array<{ name: string; gradient: tf.Tensor | undefined; index: number }> {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  return names.map((name, index) => ({
    name,
    index,
    gradient: Array.isArray(gradients) ? gradients[index].tensor : gradients[name],
  }));
}

function slot(slots: Slot[], index: number, name: string, suffix: string): tf.Variable {
  slots[index] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(variable(name)).variable(false)) };
  return slots[index].variable;
}

function variable(name: string): tf.Variable {
  return tf.engine().registeredVariables[name];
}

interface RmspropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Slot[];
  accumulatedMoments: Slot[];
  accumulatedMeanGrads: Slot[];
  incrementIterations(): void;
}

interface AdadeltaInternals {
  learningRate: number;
  rho: number;
  epsilon: number;
  accumulatedGrads: Slot[];
  accumulatedUpdates: Slot[];
  incrementIterations(): void;
}

/** Makes centered RMSprop and Adadelta step as Keras does; other optimizers pass through. */
export function withKerasUpdateRules(optimizer: tf.Optimizer): tf.Optimizer {
  const name = optimizer.getClassName();
  if (name === 'RMSProp' && (optimizer as unknown as RmspropInternals).centered) {
    const o = optimizer as unknown as RmspropInternals;
    optimizer.applyGradients = (gradients: Gradients) => {
      for (const { name: v, gradient, index } of pairs(gradients)) {
        const ms = slot(o.accumulatedMeanSquares, index, v, 'rms');
        const mom = slot(o.accumulatedMoments, index, v, 'momentum');
        const mg = slot(o.accumulatedMeanGrads, index, v, 'mg');
        if (gradient == null) continue;
        tf.tidy(() => {
          const newMs = tf.add(tf.mul(ms, o.decay), tf.mul(tf.square(gradient), 1 - o.decay));
          const newMg = tf.add(tf.mul(mg, o.decay), tf.mul(gradient, 1 - o.decay));
          const denominator = tf.sqrt(tf.add(tf.sub(newMs, tf.square(newMg)), o.epsilon));
          const newMom = tf.add(tf.mul(mom, o.momentum), tf.div(tf.mul(gradient, o.learningRate), denominator));
          ms.assign(newMs);
          mg.assign(newMg);
          mom.assign(newMom);
          variable(v).assign(tf.sub(variable(v), newMom));
        });
      }
      o.incrementIterations();
    };
  } else if (name === 'Adadelta') {
    const o = optimizer as unknown as AdadeltaInternals;
    optimizer.applyGradients = (gradients: Gradients) => {
      for (const { name: v, gradient, index } of pairs(gradients)) {
        const accGrad = slot(o.accumulatedGrads, index, v, 'accum_grad');
        const accUpdate = slot(o.accumulatedUpdates, index, v, 'accum_var');
        if (gradient == null) continue;
        tf.tidy(() => {
          const newAccGrad = tf.add(tf.mul(accGrad, o.rho), tf.mul(tf.square(gradient), 1 - o.rho));
          const update = tf.mul(tf.div(tf.sqrt(tf.add(accUpdate, o.epsilon)), tf.sqrt(tf.add(newAccGrad, o.epsilon))), gradient);
          accGrad.assign(newAccGrad);
          accUpdate.assign(tf.add(tf.mul(accUpdate, o.rho), tf.mul(tf.square(update), 1 - o.rho)));
          variable(v).assign(tf.sub(variable(v), tf.mul(update, o.learningRate)));
        });
      }
      o.incrementIterations();
    };
  }
  return optimizer;
}
