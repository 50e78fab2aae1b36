import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_ID, resumeAfter } from '../../../../src/features/jobs/last-event-id.js';

describe('resumeAfter (Last-Event-ID)', () => {
  it('resumes after every id the stream sends, unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_EVENT_ID }), (id) => {
        expect(resumeAfter(String(id))).toBe(id);
      }),
    );
    expect(resumeAfter('0')).toBe(0);
    expect(resumeAfter('007')).toBe(7);
  });

  it('starts over without a header, or with one that is empty or only spaces', () => {
    expect(resumeAfter(undefined)).toBe(-1);
    expect(resumeAfter('')).toBe(-1);
    expect(resumeAfter('   ')).toBe(-1);
  });

  it('allows spaces around the id', () => {
    expect(resumeAfter(' 12 ')).toBe(12);
    expect(resumeAfter('\t3')).toBe(3);
    expect(resumeAfter('1 2')).toBe(-1);
  });

  it('starts over on text that is not a decimal id: garbage, negatives, exponents, hex, fractions, signs', () => {
    for (const text of ['abc', '12abc', 'abc12', '-1', '-3', '1e3', '1E3', '0x10', '0b1', '3.5', '.5', '+5', 'NaN', 'Infinity', '١٢'])
      expect(resumeAfter(text), text).toBe(-1);
  });

  it('clamps ids past int4 (epochs are int4) to the largest, whatever their length', () => {
    expect(resumeAfter(String(MAX_EVENT_ID + 1))).toBe(MAX_EVENT_ID);
    expect(resumeAfter('99999999999999999999')).toBe(MAX_EVENT_ID);
    expect(resumeAfter('9'.repeat(400))).toBe(MAX_EVENT_ID);
    expect(MAX_EVENT_ID).toBe(2 ** 31 - 1);
  });
});
