/**
 * The shapes the diagnosis rules share. Pure data: no tfjs, so the API (schemas, retry) can import
 * them without loading TensorFlow.
 */
import type { JobSpec } from '../../schemas/job-spec.js';
import type { RuleKind, ThresholdName } from '../../core/diagnosis-catalog.js';
import type { EpochMetrics, LayerDiagnostics, SpecPatchOp } from '../../core/run-types.js';

export type Severity = 'info' | 'warning' | 'critical';

/** One RFC 6902 operation on the job spec. */
export type JsonPatchOp = SpecPatchOp;
export type JsonPatch = JsonPatchOp[];

/** Probe facts per layer that the public `LayerDiagnostics` does not carry. */
export interface LayerDetail {
  name: string;
  trainable: boolean;
  /** The nonlinearity producing the layer's activation of interest, when known. */
  activation: string | null;
  /** sigmoid/tanh: share of activations within 5% of the limits; softmax: share of samples whose top probability is above 0.99. */
  saturatedFraction: number | null;
  isOutput: boolean;
  /**
   * A normalization layer (BatchNormalization). The probe runs the model in inference mode, where
   * an untrained one passes its input through; in training it rescales every batch.
   */
  normalizes?: boolean;
}

/** What the rules look at after an epoch (or, with epoch 0, before the first one). */
export interface Observation {
  /** 0: measured on the first batch before any training step. */
  epoch: number;
  layers: LayerDiagnostics[];
  details: LayerDetail[];
  /** Every finished epoch so far, this one included (empty at epoch 0). */
  history: EpochMetrics[];
}

/** Facts about the job that do not change while it trains. */
export interface DiagnosisContext {
  spec: JobSpec;
  /** Loss of the best constant prediction: ln(classes) for crossentropy, the targets' variance for mse. */
  baselineLoss: number | null;
  /** Statistics of the training features as the model sees them (after any standardization). */
  input: { mean: number; std: number; absMax: number };
  /** Training samples per class, or null for an autoencoder or unlabeled data. */
  labelCounts: number[] | null;
  /** tfjs layer name -> index in `spec.model.layers` (layers reused from a base have none). */
  layerIndex: Record<string, number>;
}

/** What a rule reports; the registry adds id, kind and epoch. */
export interface Finding {
  layer: string | null;
  severity: Severity;
  message: string;
  advice: string;
  evidence: Record<string, number | string | boolean | null>;
  fix: JsonPatch | null;
}

/** One kind of failure and its check; when it looks and its thresholds are in the catalog. */
export interface Rule<K extends RuleKind = RuleKind> {
  kind: K;
  check(obs: Observation, ctx: DiagnosisContext, t: Record<ThresholdName<K>, number>): Finding[];
}
