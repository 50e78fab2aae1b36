/**
 * Text PostgreSQL cannot store (NUL, half a surrogate pair) is refused alike by the API's scan of
 * parsed bodies and by the data threads that check the bodies handed to them raw: one definition.
 */
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/core/errors.js';
import { findUnstorableString } from '../../../src/schemas/unstorable.js';
import { createThreadPool } from '../../../src/threads/pool.js';

const CASES: Array<[string, string, boolean]> = [
  ['plain', 'fashion', false],
  ['a NUL', 'a\u0000b', true],
  ['a lone high surrogate', 'a\ud83db', true],
  ['a lone low surrogate', 'a\ude00b', true],
  ['a low before a high surrogate', '\ude00\ud83d', true],
  ['a surrogate pair (an emoji)', 'smile \ud83d\ude00', false],
  ['a high surrogate at the end', 'end\ud83d', true],
];

describe('unstorable text: the API scan and the data threads agree', () => {
  const pool = createThreadPool({ threads: 0, log: () => {} });

  it.each(CASES)('%s', async (_what, name, unstorable) => {
    expect(findUnstorableString({ name })).toBe(unstorable ? '/name' : null);
    // JSON.stringify writes a lone surrogate as an escape (\ud83d), so the raw body keeps it.
    const raw = new TextEncoder().encode(JSON.stringify({ name, features: [[1]], labels: [0] }));
    const answer = await pool.run('parseJsonDataset', { bytes: raw }).then(
      (ok) => ok.name,
      (err: unknown) => err,
    );
    if (unstorable) {
      expect(answer).toBeInstanceOf(ServiceError);
      expect((answer as ServiceError).details).toEqual([{ path: '/name', message: 'contains a NUL character or an unpaired surrogate' }]);
    } else {
      expect(answer).toBe(name);
    }
  });
});
