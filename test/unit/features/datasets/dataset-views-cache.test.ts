import { describe, expect, it } from 'vitest';
import { DatasetCache } from '../../../../src/data/index.js';
import { loadDatasetRef } from '../../../../src/features/datasets/datasets.js';
import type { Db } from '../../../../src/infra/db/prisma.js';
import { FIXTURES_DIR } from '../../data/fixtures.js';

/** Built-in datasets need no database. */
const noDb = undefined as unknown as Db;

describe('loadDatasetRef keeps views in the worker cache', () => {
  const source = (cache: DatasetCache) => ({ cache, datasetsDir: FIXTURES_DIR, verifyChecksums: false });

  it('the same view twice is one copy, made once; another seed is another copy', async () => {
    const cache = new DatasetCache(64 * 2 ** 20);
    const first = await loadDatasetRef(noDb, { builtin: 'fashion-mnist', limit: 50, seed: 3 }, source(cache));
    const again = await loadDatasetRef(noDb, { builtin: 'fashion-mnist', limit: 50, seed: 3 }, source(cache));
    expect(again).toBe(first);
    expect(first.samples).toBe(50);
    expect(cache.size).toBe(2); // the whole split and the view
    // One reference, one lookup in the counts (the worker's dataset_cache_lookups_total).
    expect([cache.misses, cache.hits]).toEqual([1, 1]);
    const other = await loadDatasetRef(noDb, { builtin: 'fashion-mnist', limit: 50, seed: 4 }, source(cache));
    expect(other).not.toBe(first);
    expect(Array.from(other.labels!)).not.toEqual(Array.from(first.labels!));
    expect(cache.size).toBe(3);
  });

  it('a reference without a view, or a limit past the samples, is the cached split itself', async () => {
    const cache = new DatasetCache(64 * 2 ** 20);
    const whole = await loadDatasetRef(noDb, { builtin: 'fashion-mnist' }, source(cache));
    expect(await loadDatasetRef(noDb, { builtin: 'fashion-mnist', limit: whole.samples + 1 }, source(cache))).toBe(whole);
    expect(cache.size).toBe(1);
  });

  it('a view that fails is not cached, and fails again naming its field', async () => {
    const cache = new DatasetCache(64 * 2 ** 20);
    for (let i = 0; i < 2; i++) {
      await expect(loadDatasetRef(noDb, { builtin: 'fashion-mnist', classes: [42] }, source(cache), '/validation/dataset')).rejects.toMatchObject({
        details: [{ path: '/validation/dataset/classes/0' }],
      });
    }
    expect(cache.size).toBe(1);
  });
});
