import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError, MAX_PATCHED_LENGTH, type JsonPatchOperation } from '../../../src/core/json-patch.js';
import { getAt } from '../../../src/core/json-pointer.js';
import { docAndAimedPatch, hostileOperation, jsonDoc } from '../../support/hostile-json.js';

const apply = (doc: unknown, patch: unknown[], limits?: { maxLength: number; maxDepth: number }) => applyJsonPatch(doc, patch as JsonPatchOperation[], limits);

/** The JsonPatchError a patch throws, or null when it applies. */
function refusal(doc: unknown, patch: unknown[], limits?: { maxLength: number; maxDepth: number }): JsonPatchError | null {
  try {
    apply(doc, patch, limits);
    return null;
  } catch (err) {
    if (err instanceof JsonPatchError) return err;
    throw err;
  }
}

const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);

describe('RFC 6902 appendix A', () => {
  const cases: Array<[string, unknown, unknown[], unknown]> = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moving an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 adding a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['replacing the whole document', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    [
      'test compares objects by members, in any order',
      { a: { x: 1, y: [1, { z: null }] } },
      [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }],
      { a: { x: 1, y: [1, { z: null }] } },
    ],
  ];
  it.each(cases)('%s', (_name, doc, patch, expected) => {
    expect(apply(doc, patch)).toEqual(expected);
  });

  const errors: Array<[string, unknown, unknown[], RegExp]> = [
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /not the one given/],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /\/baz does not exist/],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], /not the one given/],
    ['an array index past the end', { a: [1] }, [{ op: 'add', path: '/a/2', value: 0 }], /not an index/],
    ['an index with a leading zero', { a: [1, 2] }, [{ op: 'replace', path: '/a/01', value: 0 }], /does not exist/],
    ['removing what is not there', { a: 1 }, [{ op: 'remove', path: '/b' }], /\/b does not exist/],
    ['a value without "value"', { a: 1 }, [{ op: 'add', path: '/b' }], /needs a "value"/],
    ['an unknown op', { a: 1 }, [{ op: 'merge', path: '/a' }], /"op" must be one of/],
  ];
  it.each(errors)('%s', (_name, doc, patch, message) => {
    expect(refusal(doc, patch)?.message).toMatch(message);
  });
});

describe('applyJsonPatch refuses what would hurt the service', () => {
  const spec = { model: { layers: [{ type: 'Dense', units: 3 }] }, fit: { epochs: 2, batchSize: 32 } };

  it('refuses __proto__, constructor and prototype in a path or from, naming the operation', () => {
    for (const op of [
      { op: 'add', path: '/__proto__/polluted', value: 1 },
      { op: 'add', path: '/constructor/prototype/polluted', value: 1 },
      { op: 'replace', path: '/model/__proto__', value: {} },
      { op: 'copy', from: '/fit', path: '/__proto__' },
      { op: 'move', from: '/__proto__', path: '/fit/x' },
      { op: 'add', path: '/fit/~1/prototype', value: 1 },
    ]) {
      const err = refusal(spec, [{ op: 'test', path: '/fit/epochs', value: 2 }, op]);
      expect(err?.index, JSON.stringify(op)).toBe(1);
      expect(err?.message).toMatch(/cannot appear in a JSON Pointer/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses values that carry __proto__ (as JSON.parse writes it) and values that are not JSON', () => {
    expect(refusal(spec, [{ op: 'add', path: '/fit/x', value: JSON.parse('{"a":{"__proto__":{"polluted":1}}}') }])?.message).toMatch(
      /holds the key "__proto__"/,
    );
    expect(refusal(spec, [{ op: 'add', path: '/fit/x', value: Number.NaN }])?.message).toMatch(/not a JSON number/);
    expect(refusal(spec, [{ op: 'add', path: '/fit/x', value: new Date(0) }])?.message).toMatch(/not a JSON value/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses moving a value into its own child, with a message that says so', () => {
    const err = refusal(spec, [{ op: 'move', from: '/model', path: '/model/layers/0' }]);
    expect(err).toMatchObject({ index: 0, message: 'move /model to /model/layers/0: a value cannot be moved into itself or one of its children' });
    expect(refusal(spec, [{ op: 'move', from: '', path: '/x' }])?.index).toBe(0);
    expect(apply(spec, [{ op: 'move', from: '/fit', path: '/fit' }])).toEqual(spec);
  });

  it('refuses 24 copies that each double the document at the first that crosses the limit', () => {
    const patch = Array.from({ length: 24 }, (_, i) => ({ op: 'copy', from: '/fit', path: `/fit/k${i}` }));
    const err = refusal(spec, patch);
    expect(err?.index).toBeLessThan(24);
    expect(err?.message).toMatch(
      new RegExp(
        `^copy /fit to /fit/k${err?.index}: the patched document would be longer than the limit of ${MAX_PATCHED_LENGTH.toLocaleString('en')} characters`,
      ),
    );
    // A few copies are fine.
    expect(JSON.stringify(apply(spec, patch.slice(0, 3))).length).toBeLessThan(1000);
  });

  it('bounds depth, counting what a move can carry without walking it', () => {
    const limits = { maxLength: 10_000, maxDepth: 4 };
    // The root is the first level: { a: { b: { c: { d: 1 } } } } nests 4 deep.
    expect(apply({ a: {} }, [{ op: 'add', path: '/a/b', value: { c: { d: 1 } } }], limits)).toEqual({ a: { b: { c: { d: 1 } } } });
    expect(refusal({ a: {} }, [{ op: 'add', path: '/a/b', value: { c: { d: { e: 1 } } } }], limits)?.message).toMatch(/deeper than 4 levels/);
    expect(refusal({ a: { b: { c: 1 } }, x: { y: {} } }, [{ op: 'move', from: '/a', path: '/x/y/z' }], limits)?.message).toMatch(/deeper than 4 levels/);
    expect(apply({ a: { b: 1 }, x: { y: {} } }, [{ op: 'move', from: '/a/b', path: '/x/y/z' }], limits)).toEqual({ a: {}, x: { y: { z: 1 } } });
  });

  it('changes neither the document nor the patch, and shares nothing with them', () => {
    const doc = structuredClone(spec);
    const value = { deep: [1] };
    const patch = [
      { op: 'add', path: '/fit/v', value },
      { op: 'add', path: '/model/layers/-', value },
      { op: 'remove', path: '/fit/epochs' },
    ];
    const out = apply(doc, patch) as { fit: { v: { deep: number[] } }; model: { layers: unknown[] } };
    expect(doc).toEqual(spec);
    expect(patch[0].value).toEqual({ deep: [1] });
    out.fit.v.deep.push(2);
    expect(value.deep).toEqual([1]);
    expect(out.model.layers[1]).toEqual({ deep: [1] });
  });
});

describe('applyJsonPatch under fuzzing', () => {
  const limits = { maxLength: 2000, maxDepth: 8 };
  const objectNames = Object.getOwnPropertyNames(Object.prototype).sort();
  const arrayNames = Object.getOwnPropertyNames(Array.prototype).sort();

  /** The invariants every patch keeps, whether it applies or not. */
  function check(doc: unknown, patch: unknown[]) {
    const docBefore = structuredClone(doc);
    const patchBefore = structuredClone(patch);
    let out: unknown;
    let applied = false;
    try {
      out = apply(doc, patch, limits);
      applied = true;
    } catch (err) {
      expect(err).toBeInstanceOf(JsonPatchError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectNames);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayNames);
    expect(doc).toEqual(docBefore);
    expect(patch).toEqual(patchBefore);
    if (applied && JSON.stringify(doc).length <= limits.maxLength && depthOf(doc) <= limits.maxDepth) {
      expect(JSON.stringify(out).length).toBeLessThanOrEqual(limits.maxLength);
      expect(depthOf(out)).toBeLessThanOrEqual(limits.maxDepth);
    }
    return { applied, out };
  }

  it('hostile patches throw only JsonPatchError, never touch a prototype or the input, and never pass the limits', () => {
    fc.assert(
      fc.property(jsonDoc, fc.array(hostileOperation, { maxLength: 12 }), (doc, patch) => {
        check(doc, patch);
      }),
      { numRuns: 2000 },
    );
  });

  it('patches aimed at the document keep the same invariants, and an applied op does what RFC 6902 says', () => {
    const appliedOps = new Map<string, number>();
    let opsAppliedInSequence = 0;
    fc.assert(
      fc.property(docAndAimedPatch, ([doc, patch]) => {
        const whole = check(doc, patch);
        // A patch is its operations applied in order, all or nothing: it applies exactly when each applies to
        // what the ones before it left, and then gives what they give together.
        let current: unknown = doc;
        let allApply = true;
        for (const op of patch) {
          const step = check(current, [op]);
          if (!step.applied) {
            allApply = false;
            break;
          }
          opsAppliedInSequence++;
          current = step.out;
        }
        expect(whole.applied).toBe(allApply);
        if (allApply) expect(whole.out).toEqual(current);
        // Each operation alone: what it leaves at its path.
        for (const op of patch) {
          const result = check(doc, [op]);
          if (!result.applied) continue;
          appliedOps.set(op.op, (appliedOps.get(op.op) ?? 0) + 1);
          if (op.path.endsWith('/-')) continue;
          if (op.op === 'add' || op.op === 'replace') expect(getAt(result.out, op.path)).toEqual(op.value);
          if (op.op === 'copy' || op.op === 'move') expect(getAt(result.out, op.path)).toEqual(getAt(doc, op.from as string));
          if (op.op === 'test') expect(result.out).toEqual(doc);
        }
      }),
      { numRuns: 500 },
    );
    // The fuzzing reaches the appliers, not only the refusals: each kind of operation that changes the document
    // applies alone many times, and operations apply one after another. (A test op applies only when its random
    // value happens to equal the document's, so it is left to the RFC's examples above.)
    for (const kind of ['add', 'remove', 'replace', 'move', 'copy']) expect(appliedOps.get(kind) ?? 0, kind).toBeGreaterThan(30);
    expect(opsAppliedInSequence).toBeGreaterThan(40);
  });

  it('copies and adds, however many, never grow the document past the limit', () => {
    const growth = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('copy'), from: fc.constantFrom('', '/a', '/a/b', '/b'), path: fc.constantFrom('/a/x', '/b', '/a/b/-', '/c') }),
        fc.record({
          op: fc.constant('add'),
          path: fc.constantFrom('/a/y', '/b', '/c', '/a/b/-'),
          value: fc.constantFrom('x'.repeat(300), [1, 2, 3], { n: 'm' }),
        }),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(growth, (patch) => {
        check({ a: { b: [1, 'two'] }, b: 'b' }, patch);
      }),
      { numRuns: 500 },
    );
  });
});
