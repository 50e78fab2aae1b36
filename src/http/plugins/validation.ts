import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { HttpError } from '../../core/errors.js';
import { AJV_OPTIONS as common, describeAjvError, type AjvError } from '../../schemas/ajv.js';

// The scan for text PostgreSQL cannot store lives beside its regex (shared with the worker threads).
export { findUnstorableString } from '../../schemas/unstorable.js';

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
  app.setValidatorCompiler(validatorCompiler());
}

function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = { first: ajvWith({ coerceTypes: false }), all: ajvWith({ coerceTypes: false, allErrors: true }) };
  const lenient = { first: ajvWith({ coerceTypes: 'array' }), all: ajvWith({ coerceTypes: 'array', allErrors: true }) };
  return ({ schema, httpPart }) => reportingAllErrors(httpPart === 'body' ? strict : lenient, schema as object);
}

/**
 * For routes whose JSON body a worker thread parses and checks (src/http/raw-json.ts): the
 * body passes as it came (raw bytes), every other part (params, querystring) is checked as usual.
 */
export function validatorSkippingBody(): FastifySchemaCompiler<unknown> {
  const compile = validatorCompiler();
  return (route) => (route.httpPart === 'body' ? () => true : compile(route));
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
export function invalidBody(errors: AjvError[], context: string): HttpError {
  const details = uniqueDetails(errors.map((e) => describeAjvError(e, context)));
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more: see details)` : '';
  return new HttpError(400, 'invalid_request', first ? `${first.path || '/'}: ${first.message}${more}` : 'the request does not match its schema', details);
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
