/**
 * Keras loss and metric names -> what tfjs's `model.compile` takes, and back for the logs.
 */

/** The spec's loss names (schema `LOSSES`). */
export type LossName =
  'sparse_categorical_crossentropy' | 'categorical_crossentropy' | 'binary_crossentropy' | 'mse' | 'mean_squared_error' | 'mae' | 'mean_absolute_error';

const LOSSES: Record<LossName, string> = {
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
};

/** The tfjs loss identifier for a Keras loss name (all tfjs losses expect probabilities, not logits, as Keras's defaults). */
export function tfjsLoss(loss: LossName): string {
  return LOSSES[loss];
}

/**
 * The tfjs metric identifiers for the spec's metrics. `accuracy` passes through: tfjs, like Keras,
 * picks the accuracy that fits the loss and output (binary for one unit or binary_crossentropy,
 * sparse-categorical for sparse_categorical_crossentropy, which accepts integer labels of shape
 * [n] or [n, 1]; categorical otherwise).
 */
export function tfjsMetrics(metrics: readonly string[] = []): string[] {
  return [...metrics];
}

/** tfjs logs `accuracy` under `acc` (and `val_acc`); Keras and our API call it `accuracy`. */
export const TFJS_LOG_KEYS: Readonly<Record<string, string>> = { accuracy: 'acc', val_accuracy: 'val_acc' };

/** Reads a Keras-named value (`loss`, `accuracy`, `val_accuracy`...) from tfjs epoch logs. */
export function readLog(logs: Record<string, number> | undefined, kerasKey: string): number | null {
  if (!logs) return null;
  const value = logs[kerasKey] ?? logs[TFJS_LOG_KEYS[kerasKey] ?? kerasKey];
  // NaN is kept: it is how a diverged run shows.
  return typeof value === 'number' ? value : null;
}
