/**
 * fast-check arbitraries for fuzzing JSON Pointer and JSON Patch code with what an attacker
 * would send: prototype keys, inherited names, bad escapes, odd indices, unicode, non-JSON
 * values, and values that carry `__proto__` as an own key (as JSON.parse makes them).
 */
import fc from 'fast-check';
import { formatPointer } from '../../src/core/json-pointer.js';

/** Keys the generated documents use, so pointers built from the same words often hit. */
const DOC_KEYS = ['a', 'b', 'foo', '0', '1', 'é', '~', '/', ''];

export const hostileToken = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineSetter__',
    'length',
    '~0',
    '~1',
    '~',
    '~2',
    '-',
    '01',
    '-1',
    '😀',
    ...DOC_KEYS,
  ),
  fc.nat(20).map(String),
  fc.string({ maxLength: 6 }),
);

/** A pointer written raw (escapes as they come), escaped properly, or any string at all. */
export const hostilePointer = fc.oneof(
  fc.array(hostileToken, { maxLength: 5 }).map((tokens) => tokens.map((t) => `/${t}`).join('')),
  fc.array(hostileToken, { maxLength: 5 }).map(formatPointer),
  fc.string({ maxLength: 12 }),
);

const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));

/** A small JSON document whose keys come from DOC_KEYS. */
export const jsonDoc: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...DOC_KEYS), tie('node'), { maxKeys: 3 }),
  ),
})).node;

/** Values a patch may carry: JSON, JSON with prototype keys of its own, and things that are not JSON. */
export const hostileValue = fc.oneof(
  { weight: 4, arbitrary: jsonDoc },
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"}}')),
  fc.constant(JSON.parse('{"a":[{"__proto__":{"polluted":"yes"}}]}')),
  fc.constant({ constructor: { prototype: { polluted: 'yes' } } }),
  fc.constantFrom(undefined, Number.NaN, Infinity, new Date(0), 'x'.repeat(3000)),
);

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** One operation: usually well-formed in shape, sometimes not (a wrong op, a missing or non-string field). */
export const hostileOperation = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constantFrom(...OPS), path: hostilePointer, from: hostilePointer, value: hostileValue }, { requiredKeys: ['op', 'path'] }),
  },
  fc.record(
    {
      op: fc.oneof(fc.constantFrom('ADD', '__proto__', 'toString', ''), fc.integer()),
      path: fc.oneof(hostilePointer, fc.integer()),
      from: fc.anything(),
      value: fc.anything(),
    },
    { requiredKeys: ['op'] },
  ),
  fc.oneof(fc.constant(null), fc.constant('add'), fc.array(fc.string(), { maxLength: 2 })),
);

/** Pointers to every value in `doc`. */
export function pointersIn(doc: unknown, at: string[] = []): string[] {
  const here = [formatPointer(at)];
  if (Array.isArray(doc)) return here.concat(doc.flatMap((v, i) => pointersIn(v, [...at, String(i)])));
  if (doc !== null && typeof doc === 'object') return here.concat(Object.entries(doc).flatMap(([k, v]) => pointersIn(v, [...at, k])));
  return here;
}

/** A document and a patch aimed at it: pointers to its values, to a new key or `-` under them, or hostile ones. */
export const docAndAimedPatch = jsonDoc.chain((doc) => {
  const existing = pointersIn(doc);
  const pointer = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...existing) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...existing), fc.constantFrom('-', 'new', '0', '1', '__proto__')).map(([p, k]) => `${p}/${k}`) },
    hostilePointer,
  );
  const op = fc.record({ op: fc.constantFrom(...OPS), path: pointer, from: pointer, value: hostileValue }, { requiredKeys: ['op', 'path'] });
  return fc.tuple(fc.constant(doc), fc.array(op, { maxLength: 30 }));
});
