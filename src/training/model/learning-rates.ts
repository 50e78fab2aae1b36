/**
 * Keras 2.x/3 default learning rates. tfjs differs for some (e.g. `tf.train.adamax` defaults
 * to 0.002 and `sgd` has no default), so the Keras values are applied explicitly.
 * Apart from `createOptimizer`'s module so code without tfjs (the diagnosis fixes) can read them.
 */
export const DEFAULT_LEARNING_RATES: Record<OptimizerType, number> = {
  sgd: 0.01,
  adam: 0.001,
  adamax: 0.001,
  rmsprop: 0.001,
  adagrad: 0.001,
  adadelta: 0.001,
};

/** The optimizer names a spec may use. */
export type OptimizerType = 'sgd' | 'adam' | 'adamax' | 'rmsprop' | 'adagrad' | 'adadelta';
