import { describe, expect, it } from 'vitest';
import { DatasetCache } from '../../../src/data/cache.js';
import type { Dataset } from '../../../src/data/types.js';

/** A dataset taking exactly `bytes` bytes (features only). */
const sized = (bytes: number): Dataset => ({ features: new Float32Array(bytes / 4), labels: null, featureShape: [bytes / 4], samples: 1, classes: 0 });

describe('DatasetCache', () => {
  it('returns cached datasets without loading again', async () => {
    const cache = new DatasetCache(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      return sized(100);
    };
    const a = await cache.get('a', load);
    const b = await cache.get('a', load);
    expect(b).toBe(a);
    expect(loads).toBe(1);
    expect(cache.bytes).toBe(100);
  });

  it('evicts the least recently used entries to stay within the byte budget', async () => {
    const cache = new DatasetCache(300);
    await cache.get('a', async () => sized(100));
    await cache.get('b', async () => sized(100));
    await cache.get('c', async () => sized(100));
    await cache.get('a', async () => sized(100)); // touch a: b is now the oldest
    await cache.get('d', async () => sized(100));
    expect(['a', 'b', 'c', 'd'].map((k) => cache.has(k))).toEqual([true, false, true, true]);
    expect(cache.bytes).toBe(300);
    await cache.get('e', async () => sized(200)); // evicts c and a
    expect(['a', 'c', 'd', 'e'].map((k) => cache.has(k))).toEqual([false, false, true, true]);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(300);
  });

  it('does not keep a dataset larger than the budget, but returns it', async () => {
    const cache = new DatasetCache(100);
    await cache.get('small', async () => sized(40));
    const big = await cache.get('big', async () => sized(400));
    expect(big.features.length).toBe(100);
    expect(cache.has('big')).toBe(false);
    expect(cache.has('small')).toBe(true);
  });

  it('dedupes concurrent loads of one key', async () => {
    const cache = new DatasetCache(1000);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return sized(8);
    };
    const p1 = cache.get('k', load);
    const p2 = cache.get('k', load);
    release();
    const [d1, d2] = await Promise.all([p1, p2]);
    expect(loads).toBe(1);
    expect(d2).toBe(d1);
  });

  it('does not cache failures, sync or async, and retries next time', async () => {
    const cache = new DatasetCache(1000);
    await expect(cache.get('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      cache.get('k', () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(cache.has('k')).toBe(false);
    expect((await cache.get('k', async () => sized(4))).features.length).toBe(1);
  });

  it('delete during a load keeps the stale result out of the cache', async () => {
    const cache = new DatasetCache(1000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = cache.get('k', async () => {
      await gate;
      return sized(4);
    });
    cache.delete('k');
    release();
    await p;
    expect(cache.has('k')).toBe(false);
    cache.clear();
    expect(cache.bytes).toBe(0);
  });
});
