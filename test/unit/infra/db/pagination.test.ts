import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../../src/infra/db/pagination.js';
import { SpecError } from '../../../../src/core/problems.js';

const cursorAt = (iso: string) => Buffer.from(JSON.stringify([iso, '7b0c5f0e-0000-4000-8000-000000000000'])).toString('base64url');

describe('decodeCursor', () => {
  it('round-trips a cursor it gave out', () => {
    const row = { createdAt: new Date('2026-11-29T10:00:00.123Z'), id: '7b0c5f0e-0000-4000-8000-000000000000' };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
  });

  it('refuses a date JavaScript holds but PostgreSQL does not (year -271821) as a 400 naming the cursor', () => {
    for (const iso of ['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '1969-12-31T23:59:59.999Z']) {
      expect(() => decodeCursor(cursorAt(iso)), iso).toThrow(SpecError);
    }
  });
});
