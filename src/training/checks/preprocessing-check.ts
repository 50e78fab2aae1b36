import { isFloat32Finite } from '../../data/float32.js';
import type { SpecProblem } from '../../core/problems.js';

const isFloat32 = (v: unknown): v is number => typeof v === 'number' && isFloat32Finite(v);

/**
 * Problems with the `preprocessing` an imported model.json carries (`userDefinedMetadata`), which
 * predict and transfer jobs apply to every input: a std of 0 or a non-finite mean would turn
 * every prediction and every trained weight into NaN. Empty when it is fine or absent.
 */
export function checkPreprocessing(value: unknown, path: string): SpecProblem[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ path, message: 'must be an object { featureShape, standardize? }' }];
  const { featureShape, standardize } = value as { featureShape?: unknown; standardize?: unknown };
  const problems: SpecProblem[] = [];
  const shapeOk =
    Array.isArray(featureShape) &&
    featureShape.length >= 1 &&
    featureShape.length <= 4 &&
    featureShape.every((d) => Number.isInteger(d) && d >= 1 && d <= 10_000_000);
  if (!shapeOk) problems.push({ path: `${path}/featureShape`, message: "must be 1 to 4 positive integers (one sample's shape)" });
  if (standardize === undefined) return problems;
  const { mean, std } = (standardize ?? {}) as { mean?: unknown; std?: unknown };
  const size = shapeOk ? (featureShape as number[]).reduce((a, b) => a * b, 1) : undefined;
  for (const [key, list] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (!Array.isArray(list) || (size !== undefined && list.length !== size)) {
      problems.push({ path: `${path}/standardize/${key}`, message: `must be an array of ${size ?? 'one number per feature'} numbers` });
      continue;
    }
    const bad = list.findIndex((v) => !isFloat32(v) || (key === 'std' && v <= 0));
    if (bad >= 0) {
      const allowed = key === 'std' ? 'a finite number > 0' : 'a finite number';
      problems.push({ path: `${path}/standardize/${key}/${bad}`, message: `must be ${allowed} within float32 range, got ${JSON.stringify(list[bad])}` });
    }
  }
  return problems;
}
