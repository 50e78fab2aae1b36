/**
 * Runs one training job end to end on in-memory datasets: preprocessing, model building
 * (optionally on a base model), the `train` and `fine_tune` phases with diagnostics,
 * evaluation and serialization. Pure with respect to the service: no queue, database or
 * HTTP, only plain values and callbacks; every tensor it makes is disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Dataset } from '../../data/types.js';
import { buildModel } from '../model/build-model.js';
import { serializeModel, deserializeModel } from '../model/artifact.js';
import { prepareBaseLayers } from '../model/transfer.js';
import { summarizeModel } from '../model/summary.js';
import { tfjsLoss, tfjsMetrics, type LossName } from '../model/losses.js';
import { createOptimizer } from '../model/optimizers.js';
import { evaluateModel, type TrainHooks } from './train.js';
import { runPhases } from './phases.js';
import { assertFiniteWeights } from './callbacks.js';
import { TrainingDivergedError } from './callbacks.js';
import { JobDiagnosis } from './job-diagnosis.js';
import { captureCheckpoint, type Checkpoint } from './checkpoint.js';
import { balancedClassWeights, baseInputShape, baseStandardization, labelTensor, prepareData, type JobData } from './job-data.js';
import {
  type BatchProgress,
  type EpochDiagnostics,
  type EpochMetrics,
  type ModelArtifact,
  type ModelSummary,
  type TrainingWarning,
} from '../../core/run-types.js';
import { SpecError } from '../../core/problems.js';
import { clearGpuError, throwIfGpuFailed } from '../backend/gpu-errors.js';

/** Callbacks from a job to the worker. */
export interface JobHooks {
  onEpoch(row: EpochMetrics): Promise<void> | void;
  onProgress?(p: BatchProgress): void;
  /**
   * Each epoch's diagnostics, with the warnings first raised in that epoch (each kind+layer is
   * raised once per job; the spec-level `self_normalization` warnings come with the first call).
   */
  onDiagnostics?(d: EpochDiagnostics, warnings: TrainingWarning[]): Promise<void> | void;
  /**
   * Warnings raised outside an epoch's diagnostics: those the untrained model shows (epoch 0),
   * and a `diverged` warning when the loss becomes NaN. Called before the job stops for them.
   */
  onWarnings?(warnings: TrainingWarning[]): Promise<void> | void;
  /** Polled after every batch; keep it cheap. */
  shouldStop?(): boolean | Promise<boolean>;
  /**
   * Called after each epoch with a way to capture a checkpoint (weights and optimizer state);
   * the caller decides whether it is worth the cost, and where to keep it.
   */
  onCheckpoint?(capture: () => Promise<Checkpoint>, epoch: number): Promise<void> | void;
}

/** Arguments of {@link runTrainingJob}. */
export interface RunJobArgs {
  spec: JobSpec;
  /** The resolved datasets: `validation` is `spec.validation.dataset` when the spec names one. */
  data: JobData;
  /** The stored model named by `spec.base.modelId`. */
  base?: ModelArtifact;
  hooks: JobHooks;
  /** Resume after this checkpoint of an earlier, interrupted attempt of the same spec. */
  resume?: Checkpoint;
  /** With `resume`: the epochs the earlier attempts finished, so loss-history rules see them. */
  history?: EpochMetrics[];
}

/** The outcome of a job that did not fail. */
export interface RunJobResult {
  status: 'succeeded' | 'cancelled';
  /** The trained model (for a cancelled job, as it was when it stopped). */
  artifact: ModelArtifact;
  summary: ModelSummary;
  evaluation: { loss: number; accuracy: number | null } | null;
  warnings: TrainingWarning[];
  /** Completed epochs over both phases. */
  epochsRun: number;
  /** Training samples per epoch (after the validation split). */
  trainSamples: number;
}

/**
 * Trains the job `spec` describes. Throws `TrainingDivergedError` when the loss becomes
 * NaN/Infinity, `DiagnosisStopError` when a diagnosis rule with `action: "stop"` fires,
 * `SpecError` for data the spec cannot use (e.g. labels beyond the output units).
 * Cancellation (`hooks.shouldStop`) is not an error: the result has status `cancelled`.
 */
export async function runTrainingJob(args: RunJobArgs): Promise<RunJobResult> {
  const { spec, hooks } = args;
  clearGpuError();
  const prepared = prepareData(spec, args.data, baseStandardization(args.base), baseInputShape(args.base));
  const tensors: tf.Tensor[] = [];
  const optimizers: tf.Optimizer[] = [];
  let model: tf.LayersModel | null = null;
  let diagnosis: JobDiagnosis | null = null;
  try {
    const built = await build(spec, prepared.train.featureShape, args.base);
    model = built.model;
    const m = model;
    const loss = tfjsLoss(spec.compile.loss as LossName);
    const metrics = tfjsMetrics(spec.compile.metrics ?? []);
    let optimizer!: tf.Optimizer;
    const compile = (optimizerSpec: JobSpec['compile']['optimizer']) => {
      optimizer = createOptimizer(optimizerSpec);
      optimizers.push(optimizer);
      m.compile({ optimizer, loss, metrics });
    };
    compile(spec.compile.optimizer);

    const outputShape = outputShapeOf(m);
    const toTensors = (ds: Dataset, path: string) => {
      const x = tf.tensor(ds.features, [ds.samples, ...ds.featureShape]);
      tensors.push(x);
      const y = labelTensor(spec, ds, x, outputShape, path);
      tensors.push(y);
      return { x, y };
    };
    const train = toTensors(prepared.train, '/dataset');
    const validation = prepared.validation ? toTensors(prepared.validation, '/validation') : undefined;

    const history: EpochMetrics[] = [...(args.history ?? [])];
    const batchSize = spec.fit.batchSize ?? 32;
    const steps = Math.ceil(prepared.train.samples / batchSize);
    diagnosis = new JobDiagnosis({ spec, model: m, x: train.x, y: train.y, train: prepared.train, outputShape, steps, hooks });
    const diag = diagnosis;
    await diag.start(Boolean(args.resume));
    const phaseHooks: TrainHooks = {
      onEpoch: (row) => {
        history.push(row);
        return hooks.onEpoch(row);
      },
      onProgress: hooks.onProgress ? (progress) => hooks.onProgress?.(progress) : undefined,
      shouldStop: hooks.shouldStop ? () => hooks.shouldStop!() : undefined,
      onEpochEnd: (epoch) => diag.afterEpoch(epoch, history),
    };
    // Checkpoints come after diagnostics, so a resumed run finds the epoch's diagnostics stored.
    const withCheckpoints = (phase: 'train' | 'fine_tune', phaseStart: number): TrainHooks => ({
      ...phaseHooks,
      onEpochEnd: async (epoch) => {
        await phaseHooks.onEpochEnd?.(epoch);
        await hooks.onCheckpoint?.(() => captureCheckpoint(m, optimizer, { epoch, phase, phaseStart }), epoch);
      },
    });
    const common = {
      model: m,
      x: train.x,
      y: train.y,
      validation,
      batchSize,
      shuffle: spec.fit.shuffle ?? true,
      seed: spec.fit.seed,
      earlyStopping: spec.fit.earlyStopping,
      classWeight: spec.fit.classWeight === 'balanced' ? balancedClassWeights(prepared.train) : undefined,
    };
    let phases: { epochsRun: number; cancelled: boolean };
    try {
      phases = await runPhases({ spec, common, reused: built.reused, compile, optimizer: () => optimizer, hooks: withCheckpoints, resume: args.resume });
    } catch (err) {
      if (err instanceof TrainingDivergedError) await diag.diverged(err);
      throw err;
    }
    const { epochsRun, cancelled } = phases;

    let evaluation: RunJobResult['evaluation'] = null;
    if (!cancelled && prepared.evaluate) {
      const ev = toTensors(prepared.evaluate, '/evaluate/dataset');
      evaluation = await evaluateModel(m, ev.x, ev.y);
    }
    throwIfGpuFailed();
    if (!cancelled) await assertFiniteWeights(m);
    return {
      status: cancelled ? 'cancelled' : 'succeeded',
      artifact: await serializeModel(m, prepared.preprocessing),
      summary: summarizeModel(m),
      evaluation,
      warnings: diag.warnings,
      epochsRun,
      trainSamples: prepared.train.samples,
    };
  } finally {
    diagnosis?.dispose();
    tf.dispose(tensors);
    for (const o of optimizers) o.dispose();
    model?.dispose();
  }
}

/** Builds the model, on the base's reused layers when the spec has `base`. */
async function build(spec: JobSpec, inputShape: number[], base: ModelArtifact | undefined): Promise<{ model: tf.LayersModel; reused: tf.layers.Layer[] }> {
  if (!spec.base) return { model: buildModel(spec.model.layers, { inputShape, seed: spec.fit.seed }), reused: [] };
  if (!base) throw new SpecError(`Base model ${spec.base.modelId} was not provided`, [{ path: '/base/modelId', message: 'unknown model' }]);
  const { model: baseModel } = await deserializeModel(base);
  try {
    const { layers } = await prepareBaseLayers(baseModel, spec.base);
    try {
      return { model: buildModel(spec.model.layers, { inputShape, seed: spec.fit.seed, base: layers }), reused: layers };
    } catch (err) {
      for (const layer of layers) layer.dispose();
      throw err;
    }
  } finally {
    // The reused layers are copies, so the loaded base can go.
    baseModel.dispose();
  }
}

function outputShapeOf(model: tf.LayersModel): number[] {
  const shape = model.outputs[0].shape;
  return shape.slice(1).map((d) => d ?? 1);
}
