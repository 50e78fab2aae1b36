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

export type WarningKind = 'vanishing_gradients' | 'exploding_gradients' | 'dead_units' | 'diverged' | 'saturation' | 'self_normalization';

/** A diagnostic warning: an epoch, a layer, and advice. */
export interface TrainingWarning {
  epoch: number | null;
  kind: WarningKind | string;
  layer: string | null;
  message: string;
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

/** What a problem in a spec looks like before it becomes a 400 answer. */
export interface SpecProblem {
  path: string; // JSON pointer, e.g. /model/layers/2/units
  message: string;
}

/** Thrown by pure modules for input the user must change; the API maps it to 400. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly details: SpecProblem[] = [],
  ) {
    super(message);
    this.name = 'SpecError';
  }
}
