/**
 * Builds tfjs optimizers from an `OptimizerSpec`, with Keras default learning rates,
 * gradient clipping and learning-rate schedules.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../schemas/job-spec.js';
import { installGradientHook } from '../loop/clipping.js';
import { scheduleHook } from './schedules.js';
import { withAdamaxState } from '../loop/adamax-state.js';
import { withKerasUpdateRules } from '../loop/optimizer-fixes.js';
import { SpecError } from '../../core/problems.js';
import { DEFAULT_LEARNING_RATES, type OptimizerType } from './learning-rates.js';

export { DEFAULT_LEARNING_RATES, type OptimizerType } from './learning-rates.js';

/**
 * Every optimizer option, all optional: the schema's union types `type` as a plain string,
 * so TS cannot narrow it by `type`; the validated spec is read through this flat view.
 */
interface OptimizerOptions {
  type: string;
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  centered?: boolean;
  initialAccumulatorValue?: number;
}

/** Keras's default epsilon (`keras.backend.epsilon()`), used where the spec gives none. */
const KERAS_EPSILON = 1e-7;

/**
 * Creates the optimizer a spec describes. Clipping (`clipValue`, `clipNorm`, `globalClipNorm`)
 * and `schedule` are implemented by wrapping the instance's `applyGradients`.
 * The caller owns the optimizer and must `dispose()` it (a model compiled with an optimizer
 * instance does not dispose it).
 */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const o = spec as OptimizerOptions;
  const defaultLr = DEFAULT_LEARNING_RATES[o.type as OptimizerType];
  if (defaultLr == null) throw new SpecError(`Unknown optimizer "${o.type}"`, [{ path: '/compile/optimizer/type', message: 'unknown optimizer' }]);
  const lr = o.learningRate ?? defaultLr;
  const optimizer = withKerasUpdateRules(withAdamaxState(fixDispose(baseOptimizer(o, lr))));
  const before = spec.schedule ? scheduleHook(optimizer, spec.schedule, lr) : undefined;
  return installGradientHook(optimizer, spec, before);
}

/**
 * tfjs 4.22's MomentumOptimizer.dispose() frees its slots but not the `-lr` scalar it inherits
 * from SGD (it does not call super.dispose()), leaking one tensor per optimizer; free it here.
 */
function fixDispose(optimizer: tf.Optimizer): tf.Optimizer {
  const original = optimizer.dispose.bind(optimizer);
  optimizer.dispose = () => {
    original();
    const c = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (c != null && !c.isDisposed) c.dispose();
  };
  return optimizer;
}

function baseOptimizer(spec: OptimizerOptions, lr: number): tf.Optimizer {
  switch (spec.type as OptimizerType) {
    case 'sgd':
      return spec.momentum != null && spec.momentum > 0 ? tf.train.momentum(lr, spec.momentum, spec.nesterov ?? false) : tf.train.sgd(lr);
    case 'adam':
      return tf.train.adam(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? KERAS_EPSILON);
    case 'adamax':
      return tf.train.adamax(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? KERAS_EPSILON, 0);
    case 'rmsprop':
      // tfjs calls Keras's `rho` `decay`.
      return tf.train.rmsprop(lr, spec.rho ?? 0.9, spec.momentum ?? 0, spec.epsilon ?? KERAS_EPSILON, spec.centered ?? false);
    case 'adagrad':
      return tf.train.adagrad(lr, spec.initialAccumulatorValue ?? 0.1);
    case 'adadelta':
      return tf.train.adadelta(lr, spec.rho ?? 0.95, spec.epsilon ?? KERAS_EPSILON);
  }
}
