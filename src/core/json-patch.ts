/**
 * RFC 6902 JSON Patch over plain JSON values (add, remove, replace, move, copy, test), safe for
 * patches from anyone:
 *
 * - pointers name own properties only and never `__proto__`, `constructor` or `prototype`
 *   (see `parsePointer`), and values may not hold those keys, so a patch cannot reach
 *   `Object.prototype` or plant a key that would later;
 * - the document a patch produces is bounded in size and depth, checked as each operation
 *   applies: each operation's value counts in full and a removal frees nothing, so the work is
 *   bounded by the limit too, and 24 copies each doubling the document are refused at the first
 *   that crosses it instead of building gigabytes;
 * - the input document and the patch are never changed: the patch applies to a deep copy, and
 *   each value it writes is copied in.
 *
 * Anything that stops an operation is a JsonPatchError naming its index.
 */
import { ARRAY_INDEX, childOf, formatPointer, hasChild, isJsonObject, JsonPointerError, parsePointer, type JsonObject } from './json-pointer.js';
import { cloneJson, isRefusal, jsonEqual } from './json-value.js';

export type JsonPatchOperation =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string } | { op: 'move' | 'copy'; from: string; path: string };

/**
 * The longest document a patch may produce, in characters of JSON text (JSON.stringify's
 * length, which is at most its UTF-8 bytes): POST /jobs' body limit, so a patch makes no spec a
 * submission could not have; a real spec is a few KB. The cost of refusing a patch that
 * multiplies the document grows with this limit, since the copy that crosses it is as large.
 */
export const MAX_PATCHED_LENGTH = 1024 * 1024;

/** The deepest nesting a patch may write. A job spec nests about 6 levels. */
export const MAX_PATCHED_DEPTH = 64;

export interface JsonPatchLimits {
  /** Characters of JSON text. */
  maxLength: number;
  maxDepth: number;
}

/** Why operation `index` of a patch could not apply; the message names the operation and its path. */
export class JsonPatchError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** A refusal inside one operation, turned into a JsonPatchError with the operation's index. */
class Refused extends Error {}

/**
 * Returns `doc` with `patch` applied (RFC 6902: operations in order, all or nothing). Throws
 * JsonPatchError for the first operation that cannot apply. `doc` must be plain JSON.
 */
export function applyJsonPatch(
  doc: unknown,
  patch: readonly JsonPatchOperation[],
  limits: JsonPatchLimits = { maxLength: MAX_PATCHED_LENGTH, maxDepth: MAX_PATCHED_DEPTH },
): unknown {
  if (!Array.isArray(patch)) throw new JsonPatchError(0, 'a JSON Patch is an array of operations');
  const start = cloneJson(doc, Infinity, Infinity, true);
  if (isRefusal(start)) throw new TypeError(`the document is not plain JSON: it ${start.message}`);
  const state: State = { root: start.value, written: start.length, depth: start.depth, limits };
  patch.forEach((operation: unknown, index) => {
    try {
      applyOne(state, operation);
    } catch (err) {
      if (err instanceof Refused || err instanceof JsonPointerError) throw new JsonPatchError(index, `${describe(operation)}: ${err.message}`);
      throw err;
    }
  });
  return state.root;
}

interface State {
  root: unknown;
  /** The document's JSON length plus that of every value written since: an upper bound on its length. */
  written: number;
  /** An upper bound on the document's depth. */
  depth: number;
  limits: JsonPatchLimits;
}

function describe(operation: unknown): string {
  if (!isJsonObject(operation)) return 'operation';
  const name = OPS.has(operation.op as string) ? (operation.op as string) : 'operation';
  const text = (v: unknown) => (typeof v === 'string' ? (v === '' ? '""' : v.slice(0, 200)) : '?');
  return operation.op === 'move' || operation.op === 'copy' ? `${name} ${text(operation.from)} to ${text(operation.path)}` : `${name} ${text(operation.path)}`;
}

function applyOne(state: State, operation: unknown): void {
  if (!isJsonObject(operation) || !OPS.has(operation.op as string)) throw new Refused(`"op" must be one of ${[...OPS].join(', ')}`);
  const op = operation.op as JsonPatchOperation['op'];
  if (typeof operation.path !== 'string') throw new Refused('"path" must be a JSON Pointer string');
  const path = parsePointer(operation.path);
  if (op === 'add' || op === 'replace' || op === 'test') {
    if (!Object.hasOwn(operation, 'value') || operation.value === undefined) throw new Refused(`${op} needs a "value"`);
  }
  switch (op) {
    case 'add':
      if (path.length > 0) parentOf(state, path);
      return add(state, path, copyIn(state, path, operation.value, 'value'));
    case 'replace':
      valueAt(state.root, path);
      return add(state, path, copyIn(state, path, operation.value, 'value'), true);
    case 'remove':
      return remove(state, path);
    case 'test':
      if (!jsonEqual(valueAt(state.root, path), operation.value)) throw new Refused(`the value at ${formatPointer(path) || 'the root'} is not the one given`);
      return;
    case 'move':
    case 'copy': {
      if (typeof operation.from !== 'string') throw new Refused('"from" must be a JSON Pointer string');
      const from = parsePointer(operation.from);
      const value = valueAt(state.root, from);
      if (op === 'copy') return add(state, path, copyIn(state, path, value, 'copied value'));
      if (path.length > from.length && from.every((key, i) => key === path[i])) throw new Refused('a value cannot be moved into itself or one of its children');
      if (path.length === from.length && from.every((key, i) => key === path[i])) return;
      // The moved value nests at most `depth - from.length` levels; checked without walking it.
      const depth = state.depth - from.length + path.length;
      if (depth > state.limits.maxDepth) throw new Refused(`the document would nest deeper than ${state.limits.maxDepth} levels`);
      state.depth = Math.max(state.depth, depth);
      state.written += keyLength(path);
      if (state.written > state.limits.maxLength) throw new Refused(tooLong(state.limits.maxLength));
      remove(state, from);
      return add(state, path, value);
    }
  }
}

/** A copy of `value` for `path`, once its size and depth fit what the patch may still write. */
function copyIn(state: State, path: string[], value: unknown, what: string): unknown {
  const overhead = keyLength(path);
  const { maxLength, maxDepth } = state.limits;
  const measured = cloneJson(value, maxLength - state.written - overhead, maxDepth - path.length);
  if (isRefusal(measured)) {
    if (measured.refused === 'length') throw new Refused(tooLong(maxLength));
    if (measured.refused === 'depth') throw new Refused(`the patched document would nest deeper than ${maxDepth} levels`);
    throw new Refused(`the ${what} ${measured.message}`);
  }
  state.written += measured.length + overhead;
  state.depth = Math.max(state.depth, path.length + measured.depth);
  return measured.value;
}

const tooLong = (maxLength: number) => `the patched document would be longer than the limit of ${maxLength.toLocaleString('en')} characters of JSON`;

/** What a new member's key (and its quotes, colon and comma) adds to the JSON text, or more for an array element. */
const keyLength = (path: readonly string[]) => (path.length === 0 ? 0 : JSON.stringify(path[path.length - 1]).length + 2);

/** The value at `path`; refused when it does not exist. */
function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    if (!hasChild(node, path[i])) throw new Refused(missing(node, path, i));
    node = childOf(node, path[i]);
  }
  return node;
}

/** Why `path[i]` is not in `node`. */
function missing(node: unknown, path: readonly string[], i: number): string {
  const here = formatPointer(path.slice(0, i + 1));
  const parent = formatPointer(path.slice(0, i)) || 'the root';
  if (Array.isArray(node)) return `${here} does not exist (the array at ${parent} has ${node.length} elements)`;
  if (isJsonObject(node)) return `${here} does not exist`;
  return `${parent} is ${node === null ? 'null' : `a ${typeof node}`}, not an object or array`;
}

/** The object or array that holds the last key of `path`. */
function parentOf(state: State, path: readonly string[]): JsonObject | unknown[] {
  const parent = valueAt(state.root, path.slice(0, -1));
  if (Array.isArray(parent) || isJsonObject(parent)) return parent;
  throw new Refused(missing(parent, path, path.length - 1));
}

/** RFC 6902 `add` (or, with `replacing`, `replace` once the target is known to exist). */
function add(state: State, path: readonly string[], value: unknown, replacing = false): void {
  if (path.length === 0) {
    state.root = value;
    return;
  }
  const parent = parentOf(state, path);
  const key = path[path.length - 1];
  if (Array.isArray(parent)) {
    if (key === '-' && !replacing) parent.push(value);
    else if (!ARRAY_INDEX.test(key) || Number(key) > parent.length - (replacing ? 1 : 0))
      throw new Refused(
        `${formatPointer(path)} is not an index of the array at ${formatPointer(path.slice(0, -1)) || 'the root'} (it has ${parent.length} elements)`,
      );
    else if (replacing) parent[Number(key)] = value;
    else parent.splice(Number(key), 0, value);
  } else {
    // A data property of its own, whatever a prototype says about the key.
    Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
  }
}

function remove(state: State, path: readonly string[]): void {
  if (path.length === 0) throw new Refused('the whole document cannot be removed');
  valueAt(state.root, path);
  const parent = parentOf(state, path);
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}
