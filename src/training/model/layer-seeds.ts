/**
 * The seeds of a job's random layers, derived from the job's seed (`fit.seed`).
 *
 * Any layer type whose schema takes a `seed` option (Dropout, AlphaDropout, RReLU, and whatever
 * random layer is added later) and has none in the spec gets `deriveSeed(jobSeed, 'layer', index)`;
 * a seed the spec gives wins. Reading the schema rather than a list keeps a new random layer
 * seeded without anyone remembering to add it here.
 */
import type { LayerSpec } from '../../schemas/job-spec.js';
import { LayerSpec as LayerSpecSchema } from '../../schemas/job-spec.js';
import { deriveSeed } from '../../core/random.js';

interface VariantSchema {
  properties?: Record<string, { const?: unknown }>;
}

let seededTypes: Set<string> | null = null;

/** The layer types whose schema has a `seed` option. */
export function seededLayerTypes(): ReadonlySet<string> {
  if (seededTypes) return seededTypes;
  const variants = ((LayerSpecSchema as { oneOf?: VariantSchema[] }).oneOf ?? []) as VariantSchema[];
  seededTypes = new Set(variants.filter((v) => v.properties?.['seed'] !== undefined).map((v) => String(v.properties?.['type']?.const)));
  return seededTypes;
}

/** The seed a random layer at `index` of the spec's layers draws from, when the spec gives it none. */
export function layerSeed(jobSeed: number, index: number): number {
  return deriveSeed(jobSeed, 'layer', index);
}

/** The spec layer with its derived `seed` filled in, when its type takes one and it has none. */
export function withLayerSeed(spec: LayerSpec, index: number, jobSeed: number | undefined): LayerSpec {
  if (jobSeed === undefined || !seededLayerTypes().has(spec.type)) return spec;
  const own = (spec as { seed?: number }).seed;
  return own === undefined ? ({ ...spec, seed: layerSeed(jobSeed, index) } as LayerSpec) : spec;
}
