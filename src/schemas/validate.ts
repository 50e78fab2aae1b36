/**
 * Validating data against the contract's schemas, the same way everywhere: a route's body, a body
 * checked in a worker thread, and the specs the service builds itself (a retried job's, a study's
 * trials), so each passes the same checks and fails with the same 400.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ServiceError } from '../core/errors.js';
import { AJV_OPTIONS as common, describeAjvError, type AjvError } from './ajv.js';

/** The validator JSON bodies go through (first error); also for specs a service builds (a retried job's, study trials), so they pass the same checks. */
export function bodyValidator(): Ajv {
  return ajvWith({ coerceTypes: false });
}

/**
 * A body check as a route's validator makes it (the same Ajv options, every field at fault for
 * a modest body), throwing the same 400 the error handler gives for a route's body: for a body
 * checked in a worker thread.
 */
export function compileBodyCheck(schema: object): (data: unknown) => void {
  const validate = reportingAllErrors({ first: ajvWith({ coerceTypes: false }), all: ajvWith({ coerceTypes: false, allErrors: true }) }, schema);
  return (data) => {
    if (!validate(data)) throw invalidBody((validate.errors ?? []) as AjvError[], 'body');
  };
}

/** The 400 for a request part that fails its schema: each field at fault once, the first named in the message. */
export function invalidBody(errors: AjvError[], context: string): ServiceError {
  const details = uniqueDetails(errors.map((e) => describeAjvError(e, context)));
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more: see details)` : '';
  return new ServiceError('invalid_request', first ? `${first.path || '/'}: ${first.message}${more}` : 'the request does not match its schema', details);
}

/** The same field and message once, however many schema branches reported it. */
function uniqueDetails(details: Array<{ path: string; message: string }>) {
  const seen = new Set<string>();
  return details.filter((d) => {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function ajvWith(options: Options): Ajv {
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
 * Both are compiled here, when the route is (at start-up): compiling the job spec's all-errors
 * validator takes hundreds of milliseconds, which the first refused request would otherwise wait
 * for, holding the event loop and every other request with it.
 */
export function reportingAllErrors(ajv: { first: Ajv; all: Ajv }, schema: object) {
  const first = ajv.first.compile(schema);
  const all = ajv.all.compile(schema);
  // V8 compiles a generated function on its first call: for the job spec's, another 100 ms or
  // more that the first request would wait for. One call each now, whatever its answer, does it.
  first(null);
  all(null);
  const validate = (data: unknown): boolean => {
    if (first(data)) {
      validate.errors = null;
      return true;
    }
    validate.errors = first.errors;
    if (countValues(data, MAX_VALUES_FOR_ALL_ERRORS) > MAX_VALUES_FOR_ALL_ERRORS) return false;
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
