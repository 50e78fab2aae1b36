import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORBIDDEN_KEYS, formatPointer, getAt, hasAt, JsonPointerError, parsePointer } from '../../../src/core/json-pointer.js';
import { hostilePointer } from '../../support/hostile-json.js';

/** RFC 6901 section 5's example document. */
const rfcDoc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };

describe('parsePointer / formatPointer', () => {
  it('evaluates the RFC 6901 examples', () => {
    const cases: Array<[string, unknown]> = [
      ['', rfcDoc],
      ['/foo', ['bar', 'baz']],
      ['/foo/0', 'bar'],
      ['/', 0],
      ['/a~1b', 1],
      ['/c%d', 2],
      ['/e^f', 3],
      ['/g|h', 4],
      ['/i\\j', 5],
      ['/k"l', 6],
      ['/ ', 7],
      ['/m~0n', 8],
    ];
    for (const [pointer, value] of cases) expect(getAt(rfcDoc, pointer), pointer).toEqual(value);
  });

  it('decodes ~01 as ~1, not /', () => {
    expect(parsePointer('/~01')).toEqual(['~1']);
    expect(parsePointer('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
  });

  it('refuses malformed pointers', () => {
    for (const bad of ['a/b', '/a~2', '/a~']) expect(() => parsePointer(bad), bad).toThrow(JsonPointerError);
  });

  it('refuses __proto__, constructor and prototype anywhere, escaped or not', () => {
    for (const pointer of ['/__proto__/polluted', '/constructor/prototype/x', '/model/__proto__', '/a/prototype', '/constructor', '/x/__proto__/y']) {
      expect(() => parsePointer(pointer), pointer).toThrow(/cannot appear in a JSON Pointer/);
    }
  });

  it('round-trips any list of allowed keys', () => {
    fc.assert(
      fc.property(fc.array(fc.string().filter((k) => !FORBIDDEN_KEYS.has(k))), (keys) => {
        expect(parsePointer(formatPointer(keys))).toEqual(keys);
      }),
    );
  });
});

describe('getAt / hasAt', () => {
  it('sees own properties and existing indices only, never inherited ones', () => {
    const doc = { a: [1, 2], o: {} };
    expect(hasAt(doc, '/toString')).toBe(false);
    expect(getAt(doc, '/o/hasOwnProperty')).toBeUndefined();
    expect(getAt(doc, '/a/length')).toBeUndefined();
    expect(getAt(doc, '/a/01')).toBeUndefined();
    expect(getAt(doc, '/a/-')).toBeUndefined();
    expect(getAt(doc, '/a/1')).toBe(2);
    expect(hasAt(doc, ['o', '__proto__'])).toBe(false);
  });

  it('for any hostile pointer returns an own value or undefined, or throws JsonPointerError', () => {
    const doc = { foo: ['bar', { baz: 1 }], '': { '': 2 }, 'a/b': 3, 'm~n': 4 };
    const own = new Set<unknown>();
    const collect = (v: unknown) => {
      own.add(v);
      if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(doc);
    fc.assert(
      fc.property(hostilePointer, (pointer) => {
        try {
          const value = getAt(doc, pointer);
          expect(value === undefined || own.has(value)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(JsonPointerError);
        }
      }),
    );
  });
});
