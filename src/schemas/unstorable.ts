import { invalid } from '../core/errors.js';

/**
 * Text PostgreSQL cannot store: a NUL character, or half of a UTF-16 surrogate pair. One
 * definition for the API's preValidation scan and the worker threads that check bodies the API
 * hands them raw (the data threads), so both refuse the same strings.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL cannot store
export const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The 400 for such text at `path` (a JSON pointer). */
export const unstorableText = (path: string) =>
  invalid('text with a NUL character or a broken surrogate pair cannot be stored', [{ path, message: 'contains a NUL character or an unpaired surrogate' }]);

const MAX_SCAN_DEPTH = 64;

/**
 * The first string (key or value) PostgreSQL cannot store as a JSON pointer, or null. Checked
 * before anything is written, so such input is a 400 naming the field instead of a database error.
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
