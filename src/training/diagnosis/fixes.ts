/**
 * The remedies, as JSON Patches on the job spec. Each names the spec field it changes, so a user
 * can read the fix before applying it (POST /jobs/:id/retry).
 */
import type { JobSpec, LayerSpec } from '../../schemas/job-spec.js';
import { DEFAULT_LEARNING_RATES, type OptimizerType } from '../model/learning-rates.js';
import type { DiagnosisContext, JsonPatch } from './types.js';

/** The optimizer's learning rate, with the Keras default when the spec leaves it out. */
export function learningRateOf(spec: JobSpec): number {
  const o = spec.compile.optimizer as { type: OptimizerType; learningRate?: number };
  return o.learningRate ?? DEFAULT_LEARNING_RATES[o.type];
}

/** Rounds to 2 significant digits, so a patched rate reads as a person would write it. */
const round = (x: number) => Number(x.toPrecision(2));

/** Sets the learning rate to `factor` times the current one (within the schema's (0, 10]). */
export function scaleLearningRate(spec: JobSpec, factor: number): JsonPatch {
  const lr = Math.min(10, round(learningRateOf(spec) * factor));
  return [{ op: 'add', path: '/compile/optimizer/learningRate', value: lr }];
}

/** Turns on per-tensor gradient clipping (`clipNorm`), unless some clipping is already there. */
export function clipNorm(spec: JobSpec, value = 1): JsonPatch {
  const o = spec.compile.optimizer as { clipNorm?: number; clipValue?: number; globalClipNorm?: number };
  if (o.clipNorm != null || o.clipValue != null || o.globalClipNorm != null) return [];
  return [{ op: 'add', path: '/compile/optimizer/clipNorm', value }];
}

export function standardize(): JsonPatch {
  return [{ op: 'add', path: '/dataset/standardize', value: true }];
}

/** The spec layer behind a tfjs layer name, with its index; none for a layer reused from a base. */
export function specLayer(ctx: DiagnosisContext, name: string): { index: number; layer: LayerSpec & Record<string, unknown> } | null {
  const index = ctx.layerIndex[name];
  if (index === undefined) return null;
  return { index, layer: ctx.spec.model.layers[index] as LayerSpec & Record<string, unknown> };
}

/** Sets one option of a spec layer. */
export function setLayerOption(index: number, option: string, value: unknown): JsonPatch {
  return [{ op: 'add', path: `/model/layers/${index}/${option}`, value }];
}

/**
 * The variance-preserving initializer for an activation (the chapter's table): He for the ReLU
 * family, LeCun for SELU and linear layers, Glorot for tanh, sigmoid and softmax.
 */
export function initializerFor(activation: string | null | undefined): string {
  const a = activation ?? 'linear';
  if (['relu', 'relu6', 'leaky_relu', 'leakyrelu', 'elu', 'prelu', 'rrelu', 'gelu', 'swish', 'mish'].includes(a)) return 'he_normal';
  if (a === 'selu' || a === 'linear') return 'lecun_normal';
  return 'glorot_uniform';
}

/** Patches for several layers at once, each layer once, in layer order. */
export function perLayer(ctx: DiagnosisContext, names: string[], patch: (index: number, layer: Record<string, unknown>) => JsonPatch): JsonPatch {
  const seen = new Set<number>();
  const out: JsonPatch = [];
  for (const name of names) {
    const found = specLayer(ctx, name);
    if (!found || seen.has(found.index)) continue;
    seen.add(found.index);
    out.push(...patch(found.index, found.layer));
  }
  return out;
}

/** Keeps only non-empty patches; an empty fix is no fix. */
export function orNull(patch: JsonPatch): JsonPatch | null {
  return patch.length > 0 ? patch : null;
}
