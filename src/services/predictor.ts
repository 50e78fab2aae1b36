import type * as tf from '@tensorflow/tfjs';
import type { Db } from '../storage/prisma.js';
import type { PackedRows } from '../training/packed-rows.js';
import type { Preprocessing } from '../training/types.js';
import { getArtifact } from './models.js';

type Loaded = { model: tf.LayersModel; preprocessing?: Preprocessing };

/** A cached model and the predictions still using it. */
interface Entry {
  loaded: Promise<Loaded>;
  /** Predictions holding this entry; it is disposed only once evicted and back to 0. */
  users: number;
  evicted: boolean;
  disposed: boolean;
}

/**
 * Loaded models for /predict, most recently used kept (models never change once stored,
 * so a cached one is never stale). tfjs is loaded on first use only. An evicted model is
 * disposed once the last prediction using it is done, never under a running one.
 */
export class Predictor {
  private readonly loaded = new Map<string, Entry>();

  constructor(
    private readonly db: Db,
    private readonly maxModels = 8,
  ) {}

  async predict(id: string, inputs: unknown[] | PackedRows): Promise<number[][]> {
    const entry = this.acquire(id);
    try {
      const { model, preprocessing } = await entry.loaded;
      const { predictRows } = await import('../training/predict.js');
      return predictRows(model, inputs, preprocessing);
    } finally {
      entry.users -= 1;
      this.disposeIfUnused(entry);
    }
  }

  /** The entry for `id`, loaded or loading, counted as in use (synchronously, before any await). */
  private acquire(id: string): Entry {
    let entry = this.loaded.get(id);
    if (entry) {
      this.loaded.delete(id);
      this.loaded.set(id, entry);
      entry.users += 1;
      return entry;
    }
    const loaded = (async () => {
      const artifact = await getArtifact(this.db, id);
      const { deserializeModel } = await import('../training/artifact.js');
      return deserializeModel({ modelJson: artifact.modelJson, weights: artifact.weights });
    })();
    const created: Entry = { loaded, users: 1, evicted: false, disposed: false };
    entry = created;
    loaded.catch(() => {
      if (this.loaded.get(id) === created) this.loaded.delete(id);
    });
    this.loaded.set(id, entry);
    while (this.loaded.size > this.maxModels) {
      const [oldest, old] = this.loaded.entries().next().value as [string, Entry];
      this.loaded.delete(oldest);
      old.evicted = true;
      this.disposeIfUnused(old);
    }
    return entry;
  }

  private disposeIfUnused(entry: Entry): void {
    if (!entry.evicted || entry.users > 0 || entry.disposed) return;
    entry.disposed = true;
    entry.loaded.then(({ model }) => model.dispose()).catch(() => {});
  }

  /** Drops one model from the cache (it was deleted); a prediction still using it finishes first. */
  forget(id: string): void {
    const entry = this.loaded.get(id);
    if (!entry) return;
    this.loaded.delete(id);
    entry.evicted = true;
    this.disposeIfUnused(entry);
  }

  /** Drops every cached model; one still predicting is disposed when it is done. */
  dispose(): void {
    const entries = [...this.loaded.values()];
    this.loaded.clear();
    for (const entry of entries) {
      entry.evicted = true;
      this.disposeIfUnused(entry);
    }
  }
}
