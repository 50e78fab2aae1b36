/**
 * Applying JSON Patches to job specs (fast-json-patch, RFC 6902), and gathering the fixes of a
 * job's warnings into one patch.
 */
import fastJsonPatch from 'fast-json-patch';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { SpecPatchOp, SpecProblem, TrainingWarning } from '../types.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

/** Why a patch could not be applied: the operation and its path, for a 400 that names them. */
export class PatchError extends Error {
  constructor(readonly problem: SpecProblem) {
    super(problem.message);
    this.name = 'PatchError';
  }
}

/**
 * Returns a patched copy of `spec` (the original is not touched). Throws PatchError naming the
 * failing operation (`/patch/3`) when one cannot apply (a path that does not exist, a failed test).
 */
export function applySpecPatch(spec: JobSpec, patch: SpecPatchOp[], where = '/patch'): unknown {
  const copy = structuredClone(spec);
  try {
    // validate: checks each operation's shape and path first; mutate the copy in place.
    return applyPatch(copy, patch as fastJsonPatch.Operation[], true, true).newDocument;
  } catch (err) {
    if (err instanceof JsonPatchError) {
      // err.index is not always the operation's (the validator reports some with index 0).
      const found = patch.indexOf(err.operation as SpecPatchOp);
      const index = found >= 0 ? found : (err.index ?? 0);
      throw new PatchError({ path: `${where}/${index}`, message: `${patch[index]?.op ?? 'operation'} ${patch[index]?.path ?? ''}: ${err.name.toLowerCase().replace(/_/g, ' ')}` });
    }
    // fast-json-patch refuses __proto__ / constructor.prototype paths with a plain TypeError.
    if (err instanceof TypeError && /__proto__|prototype/.test(err.message)) {
      const index = Math.max(0, patch.findIndex((op) => /__proto__|prototype/.test(`${op.path} ${'from' in op ? op.from : ''}`)));
      throw new PatchError({ path: `${where}/${index}`, message: `${patch[index]?.op} ${patch[index]?.path}: modifying __proto__ or prototype is not allowed` });
    }
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
    if (unknown >= 0) throw new PatchError({ path: `/applyFixes/${unknown}`, message: `the job has no warning with id ${chosen[unknown]}; its warnings: ${[...ids].join(', ') || 'none'}` });
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
  return unique.map((op, i) => ({ op, i })).sort((a, b) => layerIndex(b.op) - layerIndex(a.op) || a.i - b.i).map((x) => x.op);
}
