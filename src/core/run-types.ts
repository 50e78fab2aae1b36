import type { WarningKind } from './diagnosis-catalog.js';

export type { WarningKind };

/**
 * Plain types shared by the training modules, the worker and the storage layer.
 * Nothing here imports tfjs, so the API can use these types without loading it.
 */

/** One epoch's metrics, as stored and served (`GET /jobs/:id/metrics`). Keras history keys. */
export interface EpochMetrics {
  epoch: number; // 1-based, counted across phases
  phase: 'train' | 'fine_tune';
  loss: number;
  accuracy: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  durationMs: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number; // 1-based, within the epoch
  batches: number;
}

export interface LayerDiagnostics {
  name: string;
  gradNorm: number;
  weightNorm: number;
  updateRatio: number;
  activationMean: number;
  activationStd: number;
  deadFraction: number;
}

export interface EpochDiagnostics {
  epoch: number;
  layers: LayerDiagnostics[];
}

/** One RFC 6902 operation on the job spec. */
export type SpecPatchOp =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string } | { op: 'move' | 'copy'; from: string; path: string };

/**
 * A diagnostic warning: what was seen (message, evidence), where (epoch, layer), how bad
 * (severity), what to do (advice) and, when one applies, the remedy as a JSON Patch on the spec.
 */
export interface TrainingWarning {
  /** Stable within a job: `<kind>:<layer or "model">`. */
  id: string;
  /** The epoch it was seen after; 0 before training (first batch); null for the spec alone. */
  epoch: number | null;
  kind: WarningKind;
  layer: string | null;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  advice: string;
  /** The measured numbers behind it. */
  evidence: Record<string, number | string | boolean | null>;
  fix: SpecPatchOp[] | null;
}

/** Parameter counts exactly as Keras's `model.summary()` prints them. */
export interface ModelSummary {
  layers: Array<{ name: string; type: string; outputShape: Array<number | null>; params: number; trainable: boolean }>;
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

/** Preprocessing fixed at training time and applied again at prediction time. */
export interface Preprocessing {
  featureShape: number[];
  standardize?: { mean: number[]; std: number[] };
}

/**
 * A trained model in the TensorFlow.js layers format: `modelJson` is the model.json
 * (topology plus one weights manifest entry naming `weights.bin`), `weights` the bytes of weights.bin.
 */
export interface ModelArtifact {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}
