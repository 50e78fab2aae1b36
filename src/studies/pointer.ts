/**
 * What a study parameter's JSON Pointer names in the base spec, and setting it. Setting follows
 * JSON Patch `add`/`replace` (RFC 6902): the parent must exist, an object may gain its last key, an
 * array index must already exist; `null` removes the field, so "without clipping" is a value like
 * any other. Pointers are parsed and walked by the core's `parsePointer` and `getAt`: own
 * properties only, never `__proto__`, `constructor` or `prototype`.
 */
import { childOf, formatPointer, getAt, hasChild, isJsonObject, JsonPointerError, parsePointer, type JsonObject } from '../core/json-pointer.js';

export { formatPointer, getAt, parsePointer };

/**
 * Why `pointer` cannot be set in `doc`, or null when it can: the parent must exist (as an object
 * or array) and an array index must name an existing element.
 */
export function whyNotSettable(doc: unknown, pointer: string): string | null {
  let keys: string[];
  try {
    keys = parsePointer(pointer);
  } catch (err) {
    if (err instanceof JsonPointerError) return err.message;
    throw err;
  }
  if (keys.length === 0) return 'the whole spec cannot be a parameter; name a field inside it';
  let node: unknown = doc;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    const here = formatPointer(keys.slice(0, i + 1));
    if (Array.isArray(node)) {
      if (!hasChild(node, key)) return `${here} does not exist in the base spec (it has ${node.length} elements at ${formatPointer(keys.slice(0, i)) || '/'})`;
    } else if (isJsonObject(node)) {
      if (!hasChild(node, key)) return last ? null : `${here} does not exist in the base spec`; // an object may gain its last key, as JSON Patch `add`
    } else {
      return `${formatPointer(keys.slice(0, i)) || '/'} is ${node === null ? 'null' : `a ${typeof node}`}, not an object or array, so ${here} cannot be set`;
    }
    node = childOf(node, key);
  }
  return null;
}

/** Sets (or with `null` removes) the field at `pointer` in `doc`, in place. Throws JsonPointerError unless {@link whyNotSettable} passes. */
export function setAt(doc: unknown, pointer: string, value: unknown): void {
  const why = whyNotSettable(doc, pointer);
  if (why) throw new JsonPointerError(why, 'missing');
  const keys = parsePointer(pointer);
  const node = getAt(doc, keys.slice(0, -1)) as JsonObject | unknown[];
  const last = keys[keys.length - 1];
  if (Array.isArray(node)) node[Number(last)] = structuredClone(value);
  else if (value === null) delete node[last];
  // A data property of its own, whatever a prototype says about the key.
  else Object.defineProperty(node, last, { value: structuredClone(value), writable: true, enumerable: true, configurable: true });
}
