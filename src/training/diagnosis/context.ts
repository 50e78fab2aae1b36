/**
 * The facts the rules judge a job against, computed once before training from the spec and the
 * training data: what a constant prediction would score, the inputs' scale, the label counts, and
 * which spec layer each model layer came from (so fixes can name `/model/layers/<i>`).
 */
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Dataset } from '../../data/types.js';
import type { DiagnosisContext } from './types.js';

/** Enough values for the mean and std to be stable to a percent, without a pass over 47M pixels. */
const INPUT_SAMPLE = 200_000;

/**
 * Builds the context. `modelLayerNames` are the model's layers bottom to top (without an
 * InputLayer); the last `spec.model.layers.length` of them are the spec's, the ones before come
 * from a base model. `outputUnits` is the size of one output.
 */
export function diagnosisContext(spec: JobSpec, train: Dataset, modelLayerNames: string[], outputUnits: number): DiagnosisContext {
  const labelCounts = spec.task !== 'autoencoder' && train.labels ? countLabels(train.labels) : null;
  const input = inputStats(train.features);
  const offset = modelLayerNames.length - spec.model.layers.length;
  const layerIndex: Record<string, number> = {};
  modelLayerNames.forEach((name, i) => {
    if (i >= offset) layerIndex[name] = i - offset;
  });
  return { spec, baselineLoss: baselineLoss(spec, labelCounts, input.std, outputUnits), input, labelCounts, layerIndex };
}

function countLabels(labels: ArrayLike<number>): number[] {
  const counts: number[] = [];
  for (let i = 0; i < labels.length; i++) counts[labels[i]] = (counts[labels[i]] ?? 0) + 1;
  return Array.from(counts, (c) => c ?? 0);
}

function inputStats(features: ArrayLike<number>): DiagnosisContext['input'] {
  const stride = Math.max(1, Math.floor(features.length / INPUT_SAMPLE));
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let absMax = 0;
  for (let i = 0; i < features.length; i += stride) {
    const v = features[i];
    if (!Number.isFinite(v)) continue;
    n += 1;
    sum += v;
    sumSq += v * v;
    absMax = Math.max(absMax, Math.abs(v));
  }
  const mean = n ? sum / n : 0;
  return { mean, std: n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0, absMax };
}

/**
 * The loss of the best constant prediction: chance (ln of the classes) for crossentropy, the
 * targets' variance for mse (the class-frequency variance for one-hot targets; the inputs' overall
 * variance, an upper bound, for an autoencoder). Null for mae, where no simple bound fits.
 */
function baselineLoss(spec: JobSpec, counts: number[] | null, inputStd: number, units: number): number | null {
  const loss = spec.compile.loss;
  if (loss === 'sparse_categorical_crossentropy' || loss === 'categorical_crossentropy') return Math.log(Math.max(2, units));
  if (loss === 'binary_crossentropy') return Math.log(2);
  if (loss !== 'mse' && loss !== 'mean_squared_error') return null;
  if (spec.task === 'autoencoder') return inputStd * inputStd;
  if (!counts) return null;
  const total = counts.reduce((a, b) => a + b, 0);
  const p = counts.map((c) => c / total);
  // One output per class: the mean over outputs of p(1-p); a single output: the 0/1 label's variance.
  return units > 1 ? p.reduce((a, pc) => a + pc * (1 - pc), 0) / units : (p[1] ?? 0) * (1 - (p[1] ?? 0));
}
