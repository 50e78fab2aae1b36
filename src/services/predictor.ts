import type * as tf from '@tensorflow/tfjs';
import type { Db } from '../storage/prisma.js';
import type { Preprocessing } from '../training/types.js';
import { getArtifact } from './models.js';

/**
 * Loaded models for /predict, most recently used kept (models never change once stored,
 * so a cached one is never stale). tfjs is loaded on first use only.
 */
export class Predictor {
  private readonly loaded = new Map<string, Promise<{ model: tf.LayersModel; preprocessing?: Preprocessing }>>();

  constructor(
    private readonly db: Db,
    private readonly maxModels = 8,
  ) {}

  async predict(id: string, inputs: unknown[]): Promise<number[][]> {
    const { model, preprocessing } = await this.load(id);
    const { predictRows } = await import('../training/predict.js');
    return predictRows(model, inputs, preprocessing);
  }

  private load(id: string) {
    let entry = this.loaded.get(id);
    if (entry) {
      this.loaded.delete(id);
      this.loaded.set(id, entry);
      return entry;
    }
    entry = (async () => {
      const artifact = await getArtifact(this.db, id);
      const { deserializeModel } = await import('../training/artifact.js');
      return deserializeModel({ modelJson: artifact.modelJson, weights: artifact.weights });
    })();
    entry.catch(() => this.loaded.delete(id));
    this.loaded.set(id, entry);
    while (this.loaded.size > this.maxModels) {
      const [oldest, old] = this.loaded.entries().next().value as [string, typeof entry];
      this.loaded.delete(oldest);
      old.then(({ model }) => model.dispose()).catch(() => {});
    }
    return entry;
  }

  dispose(): void {
    for (const entry of this.loaded.values()) entry.then(({ model }) => model.dispose()).catch(() => {});
    this.loaded.clear();
  }
}
