import { describe, expect, it } from 'vitest';
import { sharedReads } from '../../../../src/infra/concurrency/single-flight.js';

describe('sharedReads (event streams of one job share their reads)', () => {
  it('makes one read for callers of the same key at the same time, and a fresh one after it settles', async () => {
    const shared = sharedReads<number>();
    let reads = 0;
    let release!: (v: number) => void;
    const read = () => {
      reads++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const together = [shared('job:1', read), shared('job:1', read), shared('job:1', read)];
    const other = shared('job:2', () => Promise.resolve(7));
    expect(reads).toBe(1);
    release(42);
    expect(await Promise.all(together)).toEqual([42, 42, 42]);
    expect(await other).toBe(7);
    // Settled: the next caller reads again (nothing is cached).
    const later = shared('job:1', read);
    expect(reads).toBe(2);
    release(43);
    expect(await later).toBe(43);
  });

  it('passes a failed read to every waiting caller, and the next caller retries', async () => {
    const shared = sharedReads<number>();
    let fail = true;
    const read = () => (fail ? Promise.reject(new Error('database down')) : Promise.resolve(1));
    const results = await Promise.allSettled([shared('k', read), shared('k', read)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await shared('k', read)).toBe(1);
  });
});
