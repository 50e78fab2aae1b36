/**
 * RFC 6901 JSON Pointers over plain JSON values, safe against prototype pollution: a pointer
 * may only name own properties of objects and existing indices of arrays, and the keys
 * `__proto__`, `constructor` and `prototype` are refused wherever they appear, so no walk by a
 * user's pointer can reach or change `Object.prototype`. A leaf module: it imports nothing.
 */

/** Keys that lead from a plain value to shared prototypes; no pointer may name them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Array indices as RFC 6901 writes them: no sign, no leading zero. */
export const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** A malformed pointer, one naming a forbidden key, or one that names nothing settable. */
export class JsonPointerError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'forbidden' | 'missing' = 'malformed',
  ) {
    super(message);
    this.name = 'JsonPointerError';
  }
}

export type JsonObject = { [key: string]: unknown };

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `/model/layers/1/units` -> ['model', 'layers', '1', 'units']; throws JsonPointerError on a malformed pointer or a forbidden key. */
export function parsePointer(pointer: string): string[] {
  if (typeof pointer !== 'string') throw new JsonPointerError('a JSON Pointer is a string');
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPointerError('a JSON Pointer starts with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new JsonPointerError(`"~" must be followed by 0 or 1 (in "${token}")`);
      const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN_KEYS.has(key))
        throw new JsonPointerError(
          `"${key}" cannot appear in a JSON Pointer here (${[...FORBIDDEN_KEYS].map((k) => `"${k}"`).join(', ')} are refused)`,
          'forbidden',
        );
      return key;
    });
}

/** The pointer for a list of keys (the inverse of {@link parsePointer}). */
export function formatPointer(keys: readonly string[]): string {
  return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Whether `node` (an object or array) has the child `key`: an own property, or an existing array index. */
export function hasChild(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return ARRAY_INDEX.test(key) && Number(key) < node.length;
  return isJsonObject(node) && !FORBIDDEN_KEYS.has(key) && Object.hasOwn(node, key);
}

/** The child `key` of `node`, or undefined when {@link hasChild} says there is none. */
export function childOf(node: unknown, key: string): unknown {
  if (!hasChild(node, key)) return undefined;
  return Array.isArray(node) ? node[Number(key)] : (node as JsonObject)[key];
}

/** Whether `pointer` names a value in `doc`. Throws JsonPointerError on a malformed pointer. */
export function hasAt(doc: unknown, pointer: string | readonly string[]): boolean {
  let node = doc;
  for (const key of typeof pointer === 'string' ? parsePointer(pointer) : pointer) {
    if (!hasChild(node, key)) return false;
    node = childOf(node, key);
  }
  return true;
}

/** The value `pointer` names in `doc`, or undefined. Throws JsonPointerError on a malformed pointer. */
export function getAt(doc: unknown, pointer: string | readonly string[]): unknown {
  let node = doc;
  for (const key of typeof pointer === 'string' ? parsePointer(pointer) : pointer) {
    if (!hasChild(node, key)) return undefined;
    node = childOf(node, key);
  }
  return node;
}
