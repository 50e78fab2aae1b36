import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { AJV_OPTIONS as common } from '../schemas/ajv.js';

// The scan for text PostgreSQL cannot store lives beside its regex (shared with the worker threads).
export { findUnstorableString } from '../schemas/unstorable.js';

/** The validator JSON bodies go through (first error); also for specs a service builds (a retried job's, study trials), so they pass the same checks. */
export function bodyValidator(): Ajv {
  return ajvWith({ coerceTypes: false });
}

/**
 * Two validators: JSON bodies are taken as typed (`"epochs": "1"` or `"units": true` is a 400,
 * not a silent conversion), while querystrings, params and headers, which are always text, are
 * converted to the types their schemas ask for.
 */
export function installValidators(app: FastifyInstance): void {
  const strict = { first: ajvWith({ coerceTypes: false }), all: ajvWith({ coerceTypes: false, allErrors: true }) };
  const lenient = { first: ajvWith({ coerceTypes: 'array' }), all: ajvWith({ coerceTypes: 'array', allErrors: true }) };
  app.setValidatorCompiler(({ schema, httpPart }) => reportingAllErrors(httpPart === 'body' ? strict : lenient, schema));
}

function ajvWith(options: Options): Ajv {
  return addFormats.default(new Ajv({ ...common, ...options }));
}

/** Beyond this many array elements or values in all, a request gets its first error only. */
const MAX_VALUES_FOR_ALL_ERRORS = 10_000;

/**
 * A validator that stops at the first error (cheap, as fast as before on valid input), and,
 * for an invalid request, checks it again with Ajv's `allErrors` so one 400 names every field
 * at fault. Only for requests of modest size: with `allErrors`, Ajv keeps going through a huge
 * array and builds an error object per bad element (a 64 MB body of bad numbers would cost
 * seconds and gigabytes), so a request with more values than that gets the first error.
 * The all-errors validator is compiled on first need, which keeps start-up as fast as before.
 */
function reportingAllErrors(ajv: { first: Ajv; all: Ajv }, schema: object) {
  const first = ajv.first.compile(schema);
  let all: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    if (first(data)) {
      validate.errors = null;
      return true;
    }
    validate.errors = first.errors;
    if (countValues(data, MAX_VALUES_FOR_ALL_ERRORS) > MAX_VALUES_FOR_ALL_ERRORS) return false;
    all ??= ajv.all.compile(schema);
    if (!all(data)) validate.errors = all.errors;
    return false;
  };
  validate.errors = null as ValidateFunction['errors'];
  return validate;
}

/** Values (array elements, object properties, leaves) in `data`, counting stopped past `limit`. */
export function countValues(data: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && count <= limit) {
    const value = stack.pop();
    count++;
    if (value === null || typeof value !== 'object') continue;
    const children = Array.isArray(value) ? value : Object.values(value);
    // Past the limit either way: no need to walk what is inside.
    if (count + children.length > limit) return count + children.length;
    for (const child of children) stack.push(child);
  }
  return count;
}
