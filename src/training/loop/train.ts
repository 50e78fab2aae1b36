/**
 * One training phase (`train` or `fine_tune`) over in-memory tensors with `model.fit`,
 * reporting per-epoch metrics and batch progress, stopping on cancellation, divergence
 * or early stopping.
 *
 * Each epoch is one `model.fit({ epochs: 1 })` call on data this module has shuffled with a
 * seeded PRNG: tfjs's own `shuffle` uses `Math.random`, which would make `fit.seed` runs
 * unreproducible. Running epochs one by one also lets the caller do async work (store
 * metrics, diagnostics) between epochs while the model is idle.
 *
 * The reported `loss` is tfjs's training loss, which (as in Keras) includes the layers' weight
 * penalties (`kernelRegularizer`, ...); `val_loss` is tfjs's test loss, which leaves them out.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchProgress, EpochMetrics } from '../../core/run-types.js';
import { EarlyStopping, type EarlyStoppingSpec, throttle, toEpochMetrics, TrainingDivergedError } from './callbacks.js';
import { mulberry32, randomPermutation } from '../../core/random.js';
import { throwIfGpuFailed } from '../backend/gpu-errors.js';
import { constrainAfterEachUpdate } from './weight-constraints.js';

export { TrainingDivergedError } from './callbacks.js';

/** Callbacks from a training phase to its caller. */
export interface TrainHooks {
  /** One row per completed epoch (a cancelled, partial epoch gives none). */
  onEpoch(row: EpochMetrics): Promise<void> | void;
  /** Batch progress, at most about 4 calls a second. */
  onProgress?(p: BatchProgress): void;
  /** Polled after every batch; true stops training within that batch. Keep it cheap (read a flag). */
  shouldStop?(): boolean | Promise<boolean>;
  /** After `onEpoch`, while the model is idle: the place for per-epoch diagnostics. */
  onEpochEnd?(epoch: number): Promise<void> | void;
}

/** Arguments of {@link trainPhase}. */
export interface TrainPhaseArgs {
  model: tf.LayersModel;
  x: tf.Tensor;
  y: tf.Tensor;
  validation?: { x: tf.Tensor; y: tf.Tensor };
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** Seed for shuffling; without it the order comes from Math.random. */
  seed?: number;
  phase: EpochMetrics['phase'];
  /** Epochs already run by earlier phases: this phase's first epoch is `epochOffset + 1`. */
  epochOffset: number;
  hooks: TrainHooks;
  earlyStopping?: EarlyStoppingSpec;
  /** Keras `class_weight`: each sample's loss is multiplied by its class's weight. */
  classWeight?: Record<number, number>;
}

/** How a phase ended, and how many epochs it completed. */
export interface TrainPhaseResult {
  stopped: 'completed' | 'cancelled' | 'early_stopped';
  epochsRun: number;
}

/** Minimum interval between progress reports (about 4 a second). */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Trains `model` (already compiled) for one phase. Throws {@link TrainingDivergedError} when
 * the loss becomes NaN/Infinity. tfjs checks `model.stopTraining` after every batch, so
 * cancellation and divergence stop within the batch that noticed them.
 */
export async function trainPhase(args: TrainPhaseArgs): Promise<TrainPhaseResult> {
  const { model, x, y, validation, epochs, batchSize, hooks } = args;
  const samples = x.shape[0];
  const batches = Math.ceil(samples / batchSize);
  const random = mulberry32(phaseSeed(args.seed, args.epochOffset));
  const early = args.earlyStopping ? new EarlyStopping(model, args.earlyStopping) : null;
  const progressDue = throttle(PROGRESS_INTERVAL_MS);
  let epochsRun = 0;
  // tfjs's fit never applies the layers' weight constraints (max-norm, ...); the optimizer does, for this phase.
  const unconstrain = constrainAfterEachUpdate(model);
  try {
    for (let e = 0; e < epochs; e++) {
      const epoch = args.epochOffset + e + 1;
      if (hooks.shouldStop && (await hooks.shouldStop())) return { stopped: 'cancelled', epochsRun };

      let cancelled = false;
      let diverged: { batch: number; loss: number } | null = null;
      // An error from shouldStop (time limit, hand-back) is kept and thrown once fit has
      // returned: thrown inside tfjs's callback it would skip tfjs's own clean-up of the batch.
      let stopError: unknown = null;
      const onBatchEnd = async (batch: number, logs?: tf.Logs): Promise<void> => {
        const loss = logs?.loss;
        if (typeof loss === 'number' && !Number.isFinite(loss)) {
          diverged = { batch: batch + 1, loss };
          model.stopTraining = true;
          return;
        }
        if (hooks.onProgress && progressDue()) hooks.onProgress({ epoch, batch: batch + 1, batches });
        try {
          throwIfGpuFailed();
          if (hooks.shouldStop && (await hooks.shouldStop())) {
            cancelled = true;
            model.stopTraining = true;
          }
        } catch (err) {
          stopError = err;
          model.stopTraining = true;
        }
      };

      const started = performance.now();
      const order = args.shuffle ? tf.tensor1d(randomPermutation(samples, random), 'int32') : null;
      const xe = order ? tf.gather(x, order) : x;
      const ye = order ? tf.gather(y, order) : y;
      let history: tf.History;
      try {
        history = await model.fit(xe, ye, {
          epochs: 1,
          batchSize,
          shuffle: false,
          verbose: 0,
          validationData: validation ? [validation.x, validation.y] : undefined,
          classWeight: args.classWeight,
          callbacks: { onBatchEnd },
        });
      } finally {
        if (order) tf.dispose([order, xe, ye]);
      }

      if (stopError) throw stopError;
      // TS cannot see the callback's assignments; re-read through a typed view.
      const stop = diverged as { batch: number; loss: number } | null;
      if (stop) throw new TrainingDivergedError(epoch, stop.batch, stop.loss);
      if (cancelled) return { stopped: 'cancelled', epochsRun };

      const logs: Record<string, number> = {};
      for (const [key, values] of Object.entries(history.history)) {
        const v = values[values.length - 1];
        logs[key] = typeof v === 'number' ? v : (await (v as tf.Tensor).data())[0];
      }
      const row = toEpochMetrics(logs, epoch, args.phase, performance.now() - started);
      epochsRun += 1;
      await hooks.onEpoch(row);
      await hooks.onEpochEnd?.(epoch);
      if (early?.update(row)) return { stopped: 'early_stopped', epochsRun };
    }
    return { stopped: 'completed', epochsRun };
  } finally {
    unconstrain();
    early?.dispose();
  }
}

/**
 * Loss and accuracy of `model` on (x, y); accuracy is null when the model was compiled
 * without an accuracy metric.
 */
export async function evaluateModel(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, batchSize = 256): Promise<{ loss: number; accuracy: number | null }> {
  const out = model.evaluate(x, y, { batchSize });
  const scalars = Array.isArray(out) ? out : [out];
  try {
    const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]));
    const names = model.metricsNames ?? [];
    const accIndex = names.findIndex((n, i) => i > 0 && /acc/i.test(n));
    return { loss: values[0], accuracy: accIndex > 0 ? values[accIndex] : null };
  } finally {
    tf.dispose(scalars);
  }
}

/** A different stream per phase, so fine-tuning does not replay the first phase's orders. */
function phaseSeed(seed: number | undefined, epochOffset: number): number {
  if (seed == null) return Math.floor(Math.random() * 2 ** 32);
  return (seed ^ Math.imul(epochOffset + 1, 0x9e3779b9)) >>> 0;
}
