/**
 * Loaded models kept by one model thread for /predict (`predictTask`), most recently used
 * first. Models never change once stored, so a cached one is never stale; a deleted one is
 * dropped by `forget` (and the route has checked that the model exists before asking). No tfjs
 * here: the cache only calls the `dispose` it is given, so it is tested without a thread.
 */

/** One cached model and the predictions still using it. */
interface Entry<T> {
  loaded: Promise<T>;
  bytes: number;
  /** Predictions holding this entry; it is disposed only once dropped and back to 0. */
  users: number;
  dropped: boolean;
  disposed: boolean;
}

export interface ModelCacheOptions<T> {
  /** Frees a model (tfjs: its weight tensors); called once it is dropped and no prediction uses it. */
  dispose: (value: T) => void;
  /** Models kept at most. */
  maxModels: number;
  /** Weight bytes kept at most (the most recent model is kept whatever its size). */
  maxBytes: number;
}

/** What `use` answers when the model is not here and no way to load it was given. */
export const NOT_LOADED = Symbol('not loaded');

export class ModelCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;

  constructor(private readonly opts: ModelCacheOptions<T>) {}

  /**
   * Runs `work` on the model `id`: the cached one, else the one `load` gives (then kept, with its
   * size `bytes`), else NOT_LOADED when there is no `load`. The model cannot be disposed while
   * `work` runs, even if it is evicted or forgotten meanwhile.
   */
  async use<R>(id: string, work: (value: T) => R | Promise<R>, load?: { bytes: number; load: () => Promise<T> }): Promise<R | typeof NOT_LOADED> {
    const entry = this.acquire(id, load);
    if (!entry) return NOT_LOADED;
    try {
      return await work(await entry.loaded);
    } finally {
      entry.users -= 1;
      this.disposeIfUnused(entry);
    }
  }

  /** Drops one model (it was deleted); a prediction still using it finishes first. */
  forget(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.drop(id, entry);
  }

  /** Drops every model; one still in use is disposed when its prediction is done. */
  clear(): void {
    for (const [id, entry] of [...this.entries]) this.drop(id, entry);
  }

  /** The ids kept, least recently used first. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The entry for `id`, loaded or loading, counted as in use (synchronously, before any await). */
  private acquire(id: string, load?: { bytes: number; load: () => Promise<T> }): Entry<T> | undefined {
    const cached = this.entries.get(id);
    if (cached) {
      this.entries.delete(id);
      this.entries.set(id, cached);
      cached.users += 1;
      return cached;
    }
    if (!load) return undefined;
    const entry: Entry<T> = { loaded: load.load(), bytes: load.bytes, users: 1, dropped: false, disposed: false };
    // A model that failed to load is not kept: the next request tries again.
    entry.loaded.catch(() => {
      if (this.entries.get(id) === entry) this.drop(id, entry);
    });
    this.entries.set(id, entry);
    this.bytes += entry.bytes;
    // Evict the least recently used down to the bounds, never the one just added.
    for (const [oldId, old] of this.entries) {
      if (this.entries.size <= this.opts.maxModels && this.bytes <= this.opts.maxBytes) break;
      if (old !== entry) this.drop(oldId, old);
    }
    return entry;
  }

  private drop(id: string, entry: Entry<T>): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    entry.dropped = true;
    this.disposeIfUnused(entry);
  }

  private disposeIfUnused(entry: Entry<T>): void {
    if (!entry.dropped || entry.users > 0 || entry.disposed) return;
    entry.disposed = true;
    entry.loaded.then(this.opts.dispose, () => {});
  }
}
