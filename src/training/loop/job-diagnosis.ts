/**
 * The diagnosis of one training job: the spec's own warnings, the probe's readings of the
 * untrained model and after every epoch, the rules over them, and every warning raised so far
 * (each kind and layer once). A rule set to `stop` ends the job, after its warning is reported.
 */
import type * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Dataset } from '../../data/types.js';
import type { EpochDiagnostics, EpochMetrics, TrainingWarning } from '../../core/run-types.js';
import { checkSelfNormalization } from '../checks/selu-check.js';
import { DEFAULT_PROBE_SIZE, GradientProbe } from '../diagnosis/probe.js';
import { Diagnosis, DiagnosisStopError } from '../diagnosis/registry.js';
import { diagnosisContext } from '../diagnosis/context.js';
import { nonFiniteLoss } from '../diagnosis/rules/diverged.js';
import type { TrainingDivergedError } from './callbacks.js';

/** Where a job's warnings and diagnostics are reported. */
export interface DiagnosisHooks {
  onDiagnostics?(d: EpochDiagnostics, warnings: TrainingWarning[]): Promise<void> | void;
  onWarnings?(warnings: TrainingWarning[]): Promise<void> | void;
}

/**
 * The probe batch size: the spec's `probeSize`, else 256 capped at 5% of the training samples
 * (at least 32). One probe pass costs about as much as probeSize/batchSize training steps, so
 * an uncapped 256 would be ~13% of an epoch on a 2,000-sample dataset; capped it stays ~5%.
 */
export function probeSizeFor(spec: JobSpec, trainSamples: number): number {
  return spec.diagnostics?.probeSize ?? Math.min(DEFAULT_PROBE_SIZE, Math.max(32, Math.floor(trainSamples * 0.05)));
}

export class JobDiagnosis {
  /** Every warning raised so far, the spec's own first. */
  readonly warnings: TrainingWarning[];
  /** The spec's warnings, reported with the first epoch's diagnostics. */
  private pending: TrainingWarning[];
  private readonly probe: GradientProbe | null = null;
  private readonly diagnosis: Diagnosis | null = null;

  constructor(
    private readonly job: {
      spec: JobSpec;
      model: tf.LayersModel;
      /** The training inputs and targets (the probe reads its first batch). */
      x: tf.Tensor;
      y: tf.Tensor;
      train: Dataset;
      outputShape: number[];
      /** Batches per epoch. */
      steps: number;
      hooks: DiagnosisHooks;
    },
  ) {
    const { spec, model } = job;
    this.pending = checkSelfNormalization(spec);
    this.warnings = [...this.pending];
    if (spec.diagnostics?.enabled === false) return;
    this.probe = new GradientProbe(model, job.x, job.y, probeSizeFor(spec, job.train.samples));
    try {
      const layerNames = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name);
      const outputUnits = job.outputShape.reduce((a, b) => a * b, 1);
      this.diagnosis = new Diagnosis(diagnosisContext(spec, job.train, layerNames, outputUnits), spec.diagnostics?.rules);
    } catch (err) {
      this.probe.dispose();
      throw err;
    }
  }

  /**
   * The untrained model on the first batch: initialization and input problems show here best
   * (it also takes the first weight snapshot). A resumed run already judged its start.
   */
  async start(resumed: boolean): Promise<void> {
    if (!this.probe || !this.diagnosis) return;
    if (resumed) return this.probe.snapshot();
    const initial = await this.probe.measure(0, 0);
    if (!initial) return;
    const fresh = this.diagnosis.start({ epoch: 0, layers: initial.diagnostics.layers, details: initial.details, history: [] });
    const stopIfAsked = this.raise(fresh);
    if (fresh.length > 0) await this.job.hooks.onWarnings?.(fresh);
    stopIfAsked();
  }

  /** After an epoch: the probe's readings and the rules over them, with the history so far. */
  async afterEpoch(epoch: number, history: EpochMetrics[]): Promise<void> {
    const result = await this.probe?.measure(epoch, this.job.steps);
    if (!result || !this.diagnosis) return;
    const fresh = this.diagnosis.afterEpoch({ epoch, layers: result.diagnostics.layers, details: result.details, history });
    const stopIfAsked = this.raise(fresh);
    await this.job.hooks.onDiagnostics?.(result.diagnostics, [...this.pending, ...fresh]);
    this.pending = [];
    stopIfAsked();
  }

  /** The loss became NaN: a `diverged` warning, reported before the job fails. */
  async diverged(err: TrainingDivergedError): Promise<void> {
    if (!this.diagnosis) return;
    const fresh = this.diagnosis.record('diverged', err.epoch, nonFiniteLoss({ spec: this.job.spec }, err));
    this.warnings.push(...fresh);
    if (fresh.length > 0) await this.job.hooks.onWarnings?.(fresh);
  }

  dispose(): void {
    this.probe?.dispose();
  }

  /** Keeps new warnings; the returned step ends the job when one of them comes from a stopping rule. */
  private raise(fresh: TrainingWarning[]): () => void {
    this.warnings.push(...fresh);
    const stop = this.diagnosis?.stopping(fresh);
    return () => {
      if (stop) throw new DiagnosisStopError(stop);
    };
  }
}
