/**
 * Applying JSON Patches to job specs (RFC 6902, with the service's own prototype-safe and
 * size-bounded implementation), and gathering the fixes of a job's warnings into one patch.
 */
import { applyJsonPatch, JsonPatchError } from '../../core/json-patch.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { SpecPatchOp, TrainingWarning } from '../../core/run-types.js';
import type { SpecProblem } from '../../core/problems.js';

/** Why a patch could not be applied: the operation and its path, for a 400 that names them. */
export class PatchError extends Error {
  constructor(readonly problem: SpecProblem) {
    super(problem.message);
    this.name = 'PatchError';
  }
}

/**
 * Returns a patched copy of `spec` (the original is not touched). Throws PatchError naming the
 * failing operation (`/patch/3`) when one cannot apply: a path that does not exist, a failed
 * test, a forbidden key (`__proto__`, `constructor`, `prototype`), a move into its own child,
 * or a spec grown past MAX_PATCHED_LENGTH.
 */
export function applySpecPatch(spec: JobSpec, patch: SpecPatchOp[], where = '/patch'): unknown {
  try {
    return applyJsonPatch(spec, patch);
  } catch (err) {
    if (err instanceof JsonPatchError) throw new PatchError({ path: `${where}/${err.index}`, message: err.message });
    throw err;
  }
}

/**
 * The fixes of the chosen warnings (all with a fix, or those with the given ids), as one patch.
 * Operations on higher layer indices come first, so a fix that inserts a layer does not shift
 * the layers the others point at. Throws PatchError for an id the job does not have.
 */
export function fixesOf(warnings: TrainingWarning[], chosen: true | string[]): SpecPatchOp[] {
  const ids = new Set(warnings.map((w) => w.id));
  if (chosen !== true) {
    const unknown = chosen.findIndex((id) => !ids.has(id));
    if (unknown >= 0)
      throw new PatchError({
        path: `/applyFixes/${unknown}`,
        message: `the job has no warning with id ${chosen[unknown]}; its warnings: ${[...ids].join(', ') || 'none'}`,
      });
  }
  const selected = warnings.filter((w) => w.fix && (chosen === true || chosen.includes(w.id)));
  const ops = selected.flatMap((w) => w.fix ?? []);
  // The same option set twice (two warnings fixing one layer) keeps the first; later values win otherwise.
  const seen = new Set<string>();
  const unique = ops.filter((op) => {
    const key = `${op.op}|${op.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const layerIndex = (op: SpecPatchOp) => Number(/^\/model\/layers\/(\d+)/.exec(op.path)?.[1] ?? -1);
  return unique
    .map((op, i) => ({ op, i }))
    .sort((a, b) => layerIndex(b.op) - layerIndex(a.op) || a.i - b.i)
    .map((x) => x.op);
}
