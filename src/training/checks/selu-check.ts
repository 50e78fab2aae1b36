/**
 * Static check of the conditions SELU needs to self-normalize (Klambauer et al. 2017, as
 * summarized in Géron's "Hands-On ML"): standardized inputs, LeCun normal initialization,
 * a plain stack of Dense layers, and AlphaDropout rather than Dropout.
 * Pure: reads the spec only (no tfjs), so it can run when the job is submitted.
 */
import type { JobSpec, LayerSpec } from '../../schemas/job-spec.js';
import type { SpecPatchOp, TrainingWarning } from '../../core/run-types.js';

const SELU_ADVICE =
  'SELU self-normalizes only in a plain stack of Dense layers with selu on every hidden layer, lecun_normal initialization, standardized inputs and AlphaDropout instead of Dropout.';

const LECUN_NORMAL = new Set(['lecun_normal', 'leCunNormal', 'lecunNormal']);

/** Layer types that keep a SELU network self-normalizing. */
const SELU_FRIENDLY = new Set(['Dense', 'Flatten', 'AlphaDropout']);

/** What the check reads of a spec (POST /jobs caches its result keyed on that: see ModelCheckSpec). */
export type SeluCheckSpec = Pick<JobSpec, 'model' | 'base'> & { dataset: Pick<JobSpec['dataset'], 'standardize'> };

/**
 * Warnings (kind `self_normalization`, epoch null) for a spec that uses `selu` in a way that
 * breaks self-normalization; empty when no layer uses selu. Layers are named by their `name`
 * or, when unnamed, by position and type (`#2 Dense`).
 */
export function checkSelfNormalization(spec: SeluCheckSpec): TrainingWarning[] {
  const layers = spec.model.layers;
  if (!layers.some(usesSelu)) return [];
  const out: TrainingWarning[] = [];
  const warn = (layer: string | null, message: string, fix: SpecPatchOp[] | null = null) =>
    out.push({
      id: `self_normalization:${layer ?? 'model'}`,
      epoch: null,
      kind: 'self_normalization',
      layer,
      severity: 'info',
      message,
      advice: SELU_ADVICE,
      evidence: {},
      fix,
    });
  const lastDense = layers.map((l) => l.type).lastIndexOf('Dense');

  layers.forEach((spec, i) => {
    const layer = view(spec);
    const label = layer.name ?? `#${i} ${layer.type}`;
    if (layer.type === 'Dense') {
      const isOutput = i === lastDense;
      if (layer.activation === 'selu' && !isLecunNormal(layer.kernelInitializer)) {
        warn(label, `${label} uses selu without kernelInitializer "lecun_normal"; SELU self-normalizes only with LeCun normal initialization.`, [
          { op: 'add', path: `/model/layers/${i}/kernelInitializer`, value: 'lecun_normal' },
        ]);
      }
      if (!isOutput && layer.activation !== 'selu') {
        warn(label, `${label} is a hidden layer with activation "${layer.activation ?? 'linear'}" in a selu network; use selu on every hidden layer.`);
      }
    } else if (layer.type === 'Dropout') {
      warn(label, `${label} is Dropout, which breaks SELU self-normalization; use AlphaDropout instead.`, [
        { op: 'replace', path: `/model/layers/${i}/type`, value: 'AlphaDropout' },
      ]);
    } else if (layer.type === 'Activation' && layer.activation === 'selu') {
      // selu as a separate layer after a linear Dense is equivalent; the Dense's initializer still matters.
    } else if (!SELU_FRIENDLY.has(layer.type)) {
      warn(label, `${label} (${layer.type}) breaks the plain stack of Dense layers SELU self-normalization assumes; remove it or use another activation.`);
    }
  });

  if (spec.base) {
    warn(null, 'The network is built on a base model, which may not be a plain selu stack; self-normalization is not guaranteed.');
  }
  if (spec.dataset.standardize !== true) {
    warn(null, 'SELU self-normalization needs standardized inputs (mean 0, std 1): set "standardize": true on the dataset.', [
      { op: 'add', path: '/dataset/standardize', value: true },
    ]);
  }
  return out;
}

/** The schema's layer union types `type` as a plain string, so TS cannot narrow it; read a flat view. */
interface LayerView {
  type: string;
  name?: string;
  activation?: string;
  kernelInitializer?: unknown;
}
const view = (layer: LayerSpec): LayerView => layer as LayerView;

function usesSelu(spec: LayerSpec): boolean {
  const layer = view(spec);
  return (layer.type === 'Dense' || layer.type === 'Activation') && layer.activation === 'selu';
}

/** `lecun_normal`, its tfjs spellings, or the equivalent VarianceScaling(1, fan_in, truncated normal). */
function isLecunNormal(init: unknown): boolean {
  if (typeof init === 'string') return LECUN_NORMAL.has(init);
  if (init && typeof init === 'object') {
    const v = init as { type?: string; scale?: number; mode?: string; distribution?: string };
    return v.type === 'VarianceScaling' && (v.scale ?? 1) === 1 && (v.mode ?? 'fan_in') === 'fan_in' && (v.distribution ?? 'truncated_normal') !== 'uniform';
  }
  return false;
}
