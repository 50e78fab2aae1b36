import { datasetBytes } from './dataset.js';
import type { Dataset } from './types.js';

/**
 * An in-memory LRU cache of datasets with a byte budget, so a worker running job after job
 * on the same data does not parse and scale it again. Concurrent `get`s of a key share one load.
 */
export class DatasetCache {
  private readonly entries = new Map<string, { ds: Dataset; bytes: number }>();
  private readonly loading = new Map<string, Promise<Dataset>>();
  private used = 0;
  /** Lookups answered from memory, and lookups that had to load (for the worker's metrics). */
  hits = 0;
  misses = 0;

  /** @param maxBytes budget for the cached datasets' arrays; a bigger dataset is returned but not kept. */
  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new Error(`maxBytes must be a non-negative number, got ${maxBytes}`);
  }

  /** Bytes held by cached datasets. */
  get bytes(): number {
    return this.used;
  }

  /** Number of cached datasets. */
  get size(): number {
    return this.entries.size;
  }

  /** True when `key` is cached (does not count as a use). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The cached dataset for `key`, or the result of `load()`, which is then cached.
   * A load already running for `key` is shared; a failed load is not cached.
   * @param counted false: not counted in `hits`/`misses` (a lookup that is part of another one).
   */
  async get(key: string, load: () => Promise<Dataset>, counted = true): Promise<Dataset> {
    const hit = this.entries.get(key);
    if (counted && hit) this.hits++;
    else if (counted) this.misses++;
    if (hit) {
      // Re-inserting moves the key to the end of the Map's order: the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.ds;
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    // Starting load() in a then() turns a synchronous throw into a rejection, so it is not cached.
    const promise: Promise<Dataset> = Promise.resolve()
      .then(load)
      .then(
        (ds) => {
          // Store only if nobody deleted or cleared the key while it was loading.
          if (this.loading.get(key) === promise) {
            this.loading.delete(key);
            this.put(key, ds);
          }
          return ds;
        },
        (err: unknown) => {
          if (this.loading.get(key) === promise) this.loading.delete(key);
          throw err;
        },
      );
    this.loading.set(key, promise);
    return promise;
  }

  /** Removes `key` (and forgets a load in progress for it). */
  delete(key: string): boolean {
    this.loading.delete(key);
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.used -= entry.bytes;
    return true;
  }

  /** Empties the cache. */
  clear(): void {
    this.entries.clear();
    this.loading.clear();
    this.used = 0;
  }

  private put(key: string, ds: Dataset): void {
    const bytes = datasetBytes(ds);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { ds, bytes });
    this.used += bytes;
    // Map iteration order is insertion order, so the first key is the least recently used.
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.used -= entry.bytes;
    }
  }
}
