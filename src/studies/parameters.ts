/**
 * What a study's `parameters` may hold, checked by hand so each problem names its parameter:
 *
 * - `"/json/pointer": [v1, v2, ...]` - a list of values for one field of the spec;
 * - `"/json/pointer": { uniform | loguniform | int: [min, max] }` - a distribution (random, asha);
 * - `"name": { "<value name>": { "/pointer": value, ... }, ... }` - named values: a key that is
 *   not a pointer is a parameter of its own, each of whose values sets several fields at once
 *   (`"technique": { "selu": { "/model/layers/1/activation": "selu", ".../kernelInitializer": "lecun_normal" } }`).
 *
 * `null` as a value removes the field (e.g. `"/compile/optimizer/clipNorm": [null, 1]`).
 */
import type { SpecProblem } from '../core/problems.js';
import { formatPointer, JsonPointerError, parsePointer } from '../core/json-pointer.js';

export type Distribution = { uniform: [number, number] } | { loguniform: [number, number] } | { int: [number, number] };

/** One field's (or one named parameter's) set of values. */
export type Domain =
  | { kind: 'list'; key: string; values: unknown[] }
  | { kind: 'distribution'; key: string; distribution: Distribution }
  | { kind: 'named'; key: string; choices: Array<{ name: string; set: Array<[string, unknown]> }> };

/** The most values one list or named parameter may hold, and fields one named value may set. */
export const MAX_VALUES = 1000;
const MAX_FIELDS_PER_VALUE = 50;
export const MAX_PARAMETERS = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a parameter lives in the study body, e.g. `/parameters/~1fit~1epochs`. */
export const parameterPath = (key: string, ...rest: string[]) => formatPointer(['parameters', key, ...rest]);

/** Parses `parameters` into domains, or the problems that stop it, each naming its field. */
export function parseParameters(parameters: Record<string, unknown>): { domains: Domain[]; problems: SpecProblem[] } {
  const domains: Domain[] = [];
  const problems: SpecProblem[] = [];
  const keys = Object.keys(parameters);
  if (keys.length === 0) problems.push({ path: '/parameters', message: 'give at least one parameter to vary' });
  if (keys.length > MAX_PARAMETERS) problems.push({ path: '/parameters', message: `${keys.length} parameters; at most ${MAX_PARAMETERS}` });
  for (const key of keys.slice(0, MAX_PARAMETERS)) {
    const spec = parameters[key];
    const where = parameterPath(key);
    if (key.startsWith('/')) {
      const bad = pointerProblem(key, where);
      if (bad) problems.push(bad);
      else if (Array.isArray(spec)) {
        if (spec.length === 0 || spec.length > MAX_VALUES) problems.push({ path: where, message: `a list of 1 to ${MAX_VALUES} values` });
        else domains.push({ kind: 'list', key, values: spec });
      } else {
        const parsed = parseDistribution(spec, where);
        if ('problem' in parsed) problems.push(parsed.problem);
        else domains.push({ kind: 'distribution', key, distribution: parsed.distribution });
      }
    } else {
      const parsed = parseNamed(key, spec, where);
      if ('problems' in parsed) problems.push(...parsed.problems);
      else domains.push(parsed.domain);
    }
  }
  return { domains, problems };
}

function pointerProblem(pointer: string, where: string): SpecProblem | null {
  try {
    parsePointer(pointer);
    return null;
  } catch (err) {
    if (!(err instanceof JsonPointerError)) throw err;
    return { path: where, message: err.reason === 'malformed' ? `not a JSON Pointer: ${err.message}` : err.message };
  }
}

function parseDistribution(spec: unknown, where: string): { distribution: Distribution } | { problem: SpecProblem } {
  const usage = 'a list of values, or one of { "uniform": [min, max] }, { "loguniform": [min, max] }, { "int": [min, max] }';
  if (!isObject(spec)) return { problem: { path: where, message: `must be ${usage}` } };
  const kinds = Object.keys(spec);
  if (kinds.length !== 1 || !['uniform', 'loguniform', 'int'].includes(kinds[0])) return { problem: { path: where, message: `must be ${usage}` } };
  const kind = kinds[0] as 'uniform' | 'loguniform' | 'int';
  const range = spec[kind];
  const at = `${where}/${kind}`;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return { problem: { path: at, message: 'must be [min, max], two finite numbers' } };
  }
  const [min, max] = range as [number, number];
  if (min > max) return { problem: { path: at, message: `min ${min} is above max ${max}` } };
  if (kind === 'loguniform' && min <= 0) return { problem: { path: at, message: 'loguniform needs min > 0' } };
  if (kind === 'int' && !(Number.isInteger(min) && Number.isInteger(max))) return { problem: { path: at, message: 'int needs two integers' } };
  return { distribution: { [kind]: [min, max] } as Distribution };
}

function parseNamed(key: string, spec: unknown, where: string): { domain: Domain } | { problems: SpecProblem[] } {
  const usage = 'a named parameter (a key that is not a JSON Pointer) maps value names to { "<JSON Pointer>": value, ... }';
  if (!isObject(spec)) return { problems: [{ path: where, message: `must be an object: ${usage}` }] };
  const names = Object.keys(spec);
  if (names.length === 0 || names.length > MAX_VALUES) return { problems: [{ path: where, message: `1 to ${MAX_VALUES} named values: ${usage}` }] };
  const problems: SpecProblem[] = [];
  const choices: Array<{ name: string; set: Array<[string, unknown]> }> = [];
  for (const name of names) {
    const fields = spec[name];
    const at = parameterPath(key, name);
    if (!isObject(fields) || Object.keys(fields).length === 0 || Object.keys(fields).length > MAX_FIELDS_PER_VALUE) {
      problems.push({ path: at, message: `must map 1 to ${MAX_FIELDS_PER_VALUE} JSON Pointers to values: ${usage}` });
      continue;
    }
    for (const pointer of Object.keys(fields)) {
      const bad = !pointer.startsWith('/')
        ? { path: parameterPath(key, name, pointer), message: 'not a JSON Pointer (they start with "/")' }
        : pointerProblem(pointer, parameterPath(key, name, pointer));
      if (bad) problems.push(bad);
    }
    choices.push({ name, set: Object.entries(fields) });
  }
  return problems.length ? { problems } : { domain: { kind: 'named', key, choices } };
}

/** How many values a domain has on a grid (a distribution has none: it is sampled). */
export function gridSize(domain: Domain): number | null {
  if (domain.kind === 'list') return domain.values.length;
  if (domain.kind === 'named') return domain.choices.length;
  return null;
}
