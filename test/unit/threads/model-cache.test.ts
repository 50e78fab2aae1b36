/**
 * The model cache a model thread keeps for /predict (src/threads/model-cache.ts): what it
 * keeps, what it loads, what it disposes and when (never under a running prediction).
 */
import { describe, expect, it } from 'vitest';
import { ModelCache, NOT_LOADED } from '../../../src/threads/model-cache.js';

type Fake = { name: string };

/** A cache of fake models that records what it disposed. */
function make(limits: { maxModels?: number; maxBytes?: number } = {}) {
  const disposed: string[] = [];
  const cache = new ModelCache<Fake>({ dispose: (m) => disposed.push(m.name), maxModels: limits.maxModels ?? 8, maxBytes: limits.maxBytes ?? 1e9 });
  let loads = 0;
  const loader = (name: string, bytes = 1) => ({ bytes, load: async () => (loads++, { name }) });
  return { cache, disposed, loader, loads: () => loads };
}

const nameOf = (m: Fake) => m.name;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ModelCache', () => {
  it('answers NOT_LOADED for a model it does not have and no loader, loads it once given one, then hits', async () => {
    const { cache, loader, loads } = make();
    expect(await cache.use('a', nameOf)).toBe(NOT_LOADED);
    expect(await cache.use('a', nameOf, loader('a'))).toBe('a');
    expect(await cache.use('a', nameOf)).toBe('a');
    // A loader given for a model already kept is not called.
    expect(await cache.use('a', nameOf, loader('other'))).toBe('a');
    expect(loads()).toBe(1);
  });

  it('shares one load between uses that arrive while it is loading', async () => {
    const { cache, loader, loads } = make();
    const results = await Promise.all([cache.use('a', nameOf, loader('a')), cache.use('a', nameOf), cache.use('a', nameOf, loader('a'))]);
    expect(results).toEqual(['a', 'a', 'a']);
    expect(loads()).toBe(1);
  });

  it('evicts the least recently used past maxModels and disposes it', async () => {
    const { cache, disposed, loader } = make({ maxModels: 2 });
    await cache.use('a', nameOf, loader('a'));
    await cache.use('b', nameOf, loader('b'));
    await cache.use('a', nameOf); // a is now the most recent
    await cache.use('c', nameOf, loader('c'));
    await tick();
    expect(cache.ids()).toEqual(['a', 'c']);
    expect(disposed).toEqual(['b']);
    expect(await cache.use('b', nameOf)).toBe(NOT_LOADED);
  });

  it('evicts past maxBytes, but keeps the newest model whatever its size', async () => {
    const { cache, disposed, loader } = make({ maxBytes: 100 });
    await cache.use('a', nameOf, loader('a', 60));
    await cache.use('b', nameOf, loader('b', 30));
    expect(cache.ids()).toEqual(['a', 'b']);
    await cache.use('c', nameOf, loader('c', 20));
    await tick();
    expect(cache.ids()).toEqual(['b', 'c']);
    await cache.use('big', nameOf, loader('big', 500));
    await tick();
    expect(cache.ids()).toEqual(['big']);
    expect(disposed).toEqual(['a', 'b', 'c']);
  });

  it('never disposes a model under a running prediction: an evicted or forgotten one goes once it is done', async () => {
    const { cache, disposed, loader } = make({ maxModels: 1 });
    let release!: () => void;
    const running = cache.use('a', (m) => new Promise<string>((r) => (release = () => r(`${m.name} done`))), loader('a'));
    await tick();
    await cache.use('b', nameOf, loader('b')); // evicts a, which is still predicting
    cache.forget('a');
    await tick();
    expect(disposed).toEqual([]);
    release();
    expect(await running).toBe('a done');
    await tick();
    expect(disposed).toEqual(['a']);
  });

  it('forget drops one model (the next use must load it again); clear drops them all', async () => {
    const { cache, disposed, loader, loads } = make();
    await cache.use('a', nameOf, loader('a'));
    await cache.use('b', nameOf, loader('b'));
    cache.forget('a');
    cache.forget('unknown');
    await tick();
    expect(disposed).toEqual(['a']);
    expect(await cache.use('a', nameOf)).toBe(NOT_LOADED);
    expect(await cache.use('a', nameOf, loader('a'))).toBe('a');
    expect(loads()).toBe(3);
    cache.clear();
    await tick();
    expect(cache.ids()).toEqual([]);
    expect(disposed.sort()).toEqual(['a', 'a', 'b']);
  });

  it('does not keep a model that failed to load', async () => {
    const { cache, disposed } = make();
    const failing = { bytes: 1, load: async (): Promise<Fake> => Promise.reject(new Error('bad weights')) };
    await expect(cache.use('a', nameOf, failing)).rejects.toThrow('bad weights');
    await tick();
    expect(cache.ids()).toEqual([]);
    expect(disposed).toEqual([]);
    expect(await cache.use('a', nameOf)).toBe(NOT_LOADED);
  });
});
