/**
 * Checks the initializers named in an imported topology before tfjs builds it. tfjs runs every
 * initializer at build time, even when weights are given, and a non-numeric parameter hangs it:
 * `scale: {}` makes VarianceScaling's truncated normal reject every sample forever (found by the
 * import fuzz test; only the pool's time limit ended it). Pure, no tfjs.
 */
import type { SpecProblem } from '../../core/problems.js';

/** Initializer parameters that tfjs reads as numbers. */
const NUMERIC = ['scale', 'stddev', 'mean', 'minval', 'maxval', 'value', 'gain'];

/**
 * The first problem with an initializer anywhere under `topology` (keys ending `_initializer`):
 * its numeric parameters must be finite numbers, its seed a number or null. `path` is the JSON
 * pointer of `topology`. Depth is bounded by the caller (modelJson is at most 64 levels).
 */
export function checkInitializers(topology: unknown, path: string): SpecProblem | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value: topology, path }];
  while (stack.length > 0) {
    const { value, path: here } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    for (const [key, child] of Object.entries(value)) {
      const at = `${here}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key.endsWith('_initializer') && child !== null && typeof child === 'object' && !Array.isArray(child)) {
        const config = (child as { config?: unknown }).config;
        if (config !== undefined && (config === null || typeof config !== 'object' || Array.isArray(config)))
          return { path: `${at}/config`, message: 'must be an object of initializer parameters' };
        const params = (config ?? {}) as Record<string, unknown>;
        for (const name of NUMERIC) {
          const v = params[name];
          if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
            return { path: `${at}/config/${name}`, message: `must be a finite number, got ${JSON.stringify(v) ?? String(v)}` };
        }
        const seed = params.seed;
        if (seed !== undefined && seed !== null && (typeof seed !== 'number' || !Number.isFinite(seed)))
          return { path: `${at}/config/seed`, message: 'must be a number or null' };
      }
      stack.push({ value: child, path: at });
    }
  }
  return null;
}
