/**
 * Plain JSON values: copying one within limits, and comparing two. Both walk with a stack of
 * their own rather than recursion, so a value nested thousands deep costs no call stack, and a
 * copy stops at the first limit crossed, so refusing a huge value costs no more than the limit.
 */
import { FORBIDDEN_KEYS, isJsonObject } from './json-pointer.js';

export interface JsonMeasure {
  /** The length of the value's JSON text as JSON.stringify writes it, or a little more (a comma per member). */
  length: number;
  /** Levels of arrays and objects: 0 for a scalar, 1 for `[1]`, 2 for `{"a":[1]}`. */
  depth: number;
}

/** Why a value was refused: it is not plain JSON, holds a forbidden key, or crosses a limit. */
export type JsonRefusal = { refused: 'not-json' | 'key' | 'length' | 'depth'; message: string };

const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * A deep copy of `value` with its JSON length and depth, or why it is refused: anything but
 * strings, finite numbers, booleans, null, arrays and plain objects; an object key in
 * FORBIDDEN_KEYS (unless `allowForbiddenKeys`); more than `maxLength` characters of JSON; deeper
 * than `maxDepth`. Copying and measuring in one walk costs half of doing each on its own.
 */
export function cloneJson(value: unknown, maxLength: number, maxDepth: number, allowForbiddenKeys = false): ({ value: unknown } & JsonMeasure) | JsonRefusal {
  const holder: Record<string, unknown> = {};
  // A stack in four arrays: one object per entry made the walk several times slower.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const targets: Array<Record<string, unknown> | unknown[]> = [holder];
  const keys: Array<string | number> = ['value'];
  let length = 0;
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const at = depths.pop()!;
    const target = targets.pop()!;
    const key = keys.pop()!;
    let copy: unknown = v;
    if (typeof v === 'string') length += quotedLength(v);
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { refused: 'not-json', message: `${v} is not a JSON number` };
      length += String(v).length;
    } else if (typeof v === 'boolean') length += v ? 4 : 5;
    else if (v === null) length += 4;
    else if (typeof v === 'object' && (Array.isArray(v) || isPlainObject(v))) {
      const depth = at + 1;
      if (depth > maxDepth) return { refused: 'depth', message: `nests deeper than ${maxDepth} levels` };
      if (depth > deepest) deepest = depth;
      length += 2;
      if (Array.isArray(v)) {
        const array = new Array<unknown>(v.length);
        copy = array;
        length += v.length;
        if (length > maxLength) return tooLong(maxLength);
        for (let i = v.length - 1; i >= 0; i--) {
          values.push(v[i]);
          depths.push(depth);
          targets.push(array);
          keys.push(i);
        }
      } else {
        const object: Record<string, unknown> = {};
        copy = object;
        for (const k of Object.keys(v)) {
          if (FORBIDDEN_KEYS.has(k)) {
            if (!allowForbiddenKeys) return { refused: 'key', message: `holds the key "${k}", which is not allowed` };
            // Assigning would set the copy's prototype; a data property of its own is what was copied.
            Object.defineProperty(object, k, { writable: true, enumerable: true, configurable: true });
          }
          length += quotedLength(k) + 2;
          if (length > maxLength) return tooLong(maxLength);
          values.push((v as Record<string, unknown>)[k]);
          depths.push(depth);
          targets.push(object);
          keys.push(k);
        }
      }
    } else return { refused: 'not-json', message: `${typeof v === 'object' ? 'an object that is not plain JSON' : `a ${typeof v}`} is not a JSON value` };
    if (length > maxLength) return tooLong(maxLength);
    (target as Record<string, unknown>)[key as string] = copy;
  }
  return { value: holder.value, length, depth: deepest };
}

const tooLong = (maxLength: number): JsonRefusal => ({ refused: 'length', message: `is longer than ${maxLength.toLocaleString('en')} characters of JSON` });

/** Characters JSON.stringify writes for `s`; most strings need no escape, and a test is cheaper than writing them. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const quotedLength = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s).length : s.length + 2);

export const isRefusal = (m: object): m is JsonRefusal => 'refused' in m;

/** Whether two JSON values are equal as RFC 6902 `test` compares them: numbers by value, objects by their members in any order, arrays in order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]]);
    } else {
      if (!isJsonObject(x) || !isJsonObject(y)) return false;
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(y, key)) return false;
        stack.push([x[key], y[key]]);
      }
    }
  }
  return true;
}
