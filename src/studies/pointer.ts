/**
 * RFC 6901 JSON Pointers over plain JSON values: what a study parameter names in the base spec.
 * Setting follows JSON Patch `add`/`replace` (RFC 6902): the parent must exist, an object may
 * gain its last key, an array index must already exist; `null` removes the field, so "without
 * clipping" is a value like any other.
 */

/** `/model/layers/1/units` -> ['model', 'layers', '1', 'units']; throws on a malformed pointer. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error('a JSON Pointer starts with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new Error(`"~" must be followed by 0 or 1 (in "${token}")`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** The pointer for a list of keys (the inverse of {@link parsePointer}). */
export function formatPointer(keys: readonly string[]): string {
  return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Array indices as RFC 6901 writes them: no sign, no leading zero. */
const INDEX = /^(0|[1-9][0-9]*)$/;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Why `pointer` cannot be set in `doc`, or null when it can: the parent must exist (as an object
 * or array) and an array index must name an existing element.
 */
export function whyNotSettable(doc: Json, pointer: string): string | null {
  let keys: string[];
  try {
    keys = parsePointer(pointer);
  } catch (err) {
    return (err as Error).message;
  }
  if (keys.length === 0) return 'the whole spec cannot be a parameter; name a field inside it';
  let node: Json = doc;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    const here = formatPointer(keys.slice(0, i + 1));
    if (Array.isArray(node)) {
      if (!INDEX.test(key) || Number(key) >= node.length) return `${here} does not exist in the base spec (it has ${node.length} elements at ${formatPointer(keys.slice(0, i)) || '/'})`;
      node = node[Number(key)];
    } else if (isObject(node)) {
      if (!(key in node)) {
        if (last) return null; // an object may gain its last key, as JSON Patch `add`
        return `${here} does not exist in the base spec`;
      }
      node = node[key];
    } else {
      return `${formatPointer(keys.slice(0, i)) || '/'} is a ${typeof node}, not an object or array, so ${here} cannot be set`;
    }
  }
  return null;
}

/** Sets (or with `null` removes) the field at `pointer` in `doc`, in place. Assumes {@link whyNotSettable} passed. */
export function setAt(doc: Json, pointer: string, value: Json): void {
  const keys = parsePointer(pointer);
  let node = doc as Record<string, Json> | Json[];
  for (const key of keys.slice(0, -1)) node = (Array.isArray(node) ? node[Number(key)] : node[key]) as Record<string, Json> | Json[];
  const last = keys[keys.length - 1];
  if (Array.isArray(node)) node[Number(last)] = structuredClone(value);
  else if (value === null) delete node[last];
  else node[last] = structuredClone(value);
}

/** The value at `pointer`, or undefined. */
export function getAt(doc: Json, pointer: string): Json {
  let node: Json = doc;
  for (const key of parsePointer(pointer)) {
    if (Array.isArray(node)) node = INDEX.test(key) ? node[Number(key)] : undefined;
    else if (isObject(node)) node = Object.hasOwn(node, key) ? node[key] : undefined;
    else return undefined;
  }
  return node;
}
