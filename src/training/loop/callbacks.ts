/**
 * The pieces of the training loop that react to per-batch and per-epoch logs:
 * metric-name mapping, progress throttling, divergence errors and early stopping.
 * Kept apart from the training loop itself so each can be tested without running `model.fit`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Static } from 'typebox';
import type { FitSpec } from '../../schemas/job-spec.js';
import type { EpochMetrics } from '../../core/run-types.js';

/** Thrown when the training loss becomes NaN or infinite; training stops within that batch. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(
      `Training diverged: the loss became ${loss} at epoch ${epoch}, batch ${batch}. ` +
        'Enable gradient clipping (compile.optimizer.clipNorm or clipValue) or lower the learning rate; ' +
        'standardizing the inputs (dataset.standardize) also helps.',
    );
    this.name = 'TrainingDivergedError';
  }
}

/**
 * Thrown when training ends with weights that are NaN or infinite (the loss can stay finite
 * while a layer's weights overflow, e.g. on inputs beyond float32): such a model must not be
 * stored as a success.
 */
export class NonFiniteWeightsError extends Error {
  constructor(readonly weight: string) {
    super(
      `Training produced non-finite weights (NaN or Infinity in ${weight}); the model is not usable. ` +
        'Standardize the inputs (dataset.standardize), lower the learning rate or clip gradients (compile.optimizer.clipNorm).',
    );
    this.name = 'NonFiniteWeightsError';
  }
}

/** Throws {@link NonFiniteWeightsError} naming the first weight of `model` that holds NaN or Infinity. */
export async function assertFiniteWeights(model: tf.LayersModel): Promise<void> {
  for (const w of model.weights) {
    // Read asynchronously: the webgpu backend cannot read a GPU buffer synchronously in Node.
    const flag = tf.tidy(() => tf.logicalNot(tf.isFinite(w.read())).any());
    const bad = (await flag.data().finally(() => flag.dispose()))[0];
    if (bad) throw new NonFiniteWeightsError(w.name);
  }
}

/** Metrics tfjs may report for an `accuracy` metric, depending on the loss. */
const ACCURACY_KEYS = ['acc', 'accuracy', 'sparseCategoricalAccuracy', 'categoricalAccuracy', 'binaryAccuracy'];

function pick(logs: Record<string, number>, keys: string[]): number | null {
  for (const k of keys) {
    const v = logs[k];
    if (typeof v === 'number') return v;
  }
  return null;
}

/**
 * Turns tfjs epoch logs into an `EpochMetrics` row: tfjs names the accuracy metric `acc`
 * (or after the metric function), Keras history calls it `accuracy`.
 */
export function toEpochMetrics(logs: Record<string, number>, epoch: number, phase: EpochMetrics['phase'], durationMs: number): EpochMetrics {
  return {
    epoch,
    phase,
    loss: logs.loss,
    accuracy: pick(logs, ACCURACY_KEYS),
    val_loss: pick(logs, ['val_loss']),
    val_accuracy: pick(
      logs,
      ACCURACY_KEYS.map((k) => `val_${k}`),
    ),
    durationMs: Math.round(durationMs),
  };
}

/**
 * Returns a function that reports true at most once per `intervalMs`
 * (the first call always passes). Used to keep batch progress to about 4 events a second.
 */
export function throttle(intervalMs: number, now: () => number = () => performance.now()): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}

/** `fit.earlyStopping` of a job spec. */
export type EarlyStoppingSpec = NonNullable<Static<typeof FitSpec>['earlyStopping']>;

/**
 * Keras `EarlyStopping`: stops when `monitor` has not improved by more than `minDelta` for
 * `patience` epochs (`patience: 0` stops at the first epoch without improvement). Accuracy is
 * maximized, loss minimized. With `restoreBestWeights`, a copy of the best weights (all of
 * them, moving statistics included) is kept and restored when it stops, as Keras does only
 * when the stop is triggered. Call `dispose()` in every case to free the copy.
 */
export class EarlyStopping {
  private readonly monitor: keyof EpochMetrics;
  private readonly maximize: boolean;
  private best: number;
  private wait = 0;
  private bestWeights: tf.Tensor[] | null = null;
  private seen = 0;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly spec: EarlyStoppingSpec,
  ) {
    this.monitor = spec.monitor ?? 'val_loss';
    this.maximize = this.monitor.endsWith('accuracy');
    this.best = this.maximize ? -Infinity : Infinity;
  }

  /** Records one epoch; returns true when training should stop (best weights already restored). */
  update(row: EpochMetrics): boolean {
    const current = row[this.monitor];
    // As Keras, a monitor that is not reported (no validation data) never stops training.
    if (typeof current !== 'number' || Number.isNaN(current)) return false;
    const epochIndex = this.seen++;
    const minDelta = this.spec.minDelta ?? 0;
    if (this.spec.restoreBestWeights && this.bestWeights == null) this.keepWeights();
    this.wait += 1;
    const improved = this.maximize ? current - minDelta > this.best : current + minDelta < this.best;
    if (improved) {
      this.best = current;
      this.wait = 0;
      if (this.spec.restoreBestWeights) this.keepWeights();
      return false;
    }
    if (this.wait >= (this.spec.patience ?? 0) && epochIndex > 0) {
      if (this.bestWeights) this.model.setWeights(this.bestWeights);
      return true;
    }
    return false;
  }

  /** Frees the copy of the best weights. */
  dispose(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = null;
  }

  private keepWeights(): void {
    this.dispose();
    // getWeights() returns the live variables, so copies are needed.
    this.bestWeights = this.model.getWeights().map((w) => tf.clone(w));
  }
}
