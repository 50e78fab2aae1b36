import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { AJV_OPTIONS as common } from '../schemas/ajv.js';


/** The validator JSON bodies go through; also for specs a service builds (a retried job's, study trials), so they pass the same checks. */
export function bodyValidator(): Ajv {
  return addFormats.default(new Ajv({ ...common, coerceTypes: false }));
}

/**
 * Two validators: JSON bodies are taken as typed (`"epochs": "1"` or `"units": true` is a 400,
 * not a silent conversion), while querystrings, params and headers, which are always text, are
 * converted to the types their schemas ask for.
 */
export function installValidators(app: FastifyInstance): void {
  const strict = bodyValidator();
  const lenient = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}

const MAX_SCAN_DEPTH = 64;
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL cannot store
const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first string (key or value) PostgreSQL cannot store — a NUL character or half of a UTF-16
 * surrogate pair — as a JSON pointer, or null. Checked before anything is written, so such
 * input is a 400 naming the field instead of a database error.
 */
export function findUnstorableString(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value) ? path || '/' : null;
  // Nothing we store nests this deep; the schema refuses such a body on its own.
  if (value === null || typeof value !== 'object' || depth > MAX_SCAN_DEPTH) return null;
  // Only parsed JSON is scanned: a body kept raw for the worker-thread pool is checked there.
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableString(value[i], `${path}/${i}`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value)) {
    const here = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (NUL_OR_LONE_SURROGATE.test(key)) return here;
    const found = findUnstorableString(child, here, depth + 1);
    if (found) return found;
  }
  return null;
}
