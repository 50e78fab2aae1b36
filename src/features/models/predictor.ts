import type { Db } from '../../infra/db/prisma.js';
import type { PackedRows } from '../../training/loop/packed-rows.js';
import type { ThreadPool } from '../../threads/pool.js';
import { tellModelCaches } from '../../threads/predict-channel.js';
import type { PredictArtifact } from '../../threads/predict-task.js';
import { packedBuffers } from '../../training/loop/packed-rows.js';
import type { McDropoutRequest } from '../../training/loop/mc-dropout-work.js';
import { getArtifact } from './models.js';
import { sharedReads } from '../../infra/concurrency/single-flight.js';

/**
 * /predict as the API sees it: the model runs in a model thread of the thread pool, which keeps
 * the models it has loaded (`predictTask`); this side only fetches a
 * stored model for a thread that does not have it yet, and tells the threads when one is
 * deleted. The caller checks the client's right to the model first, every time.
 */
export class Predictor {
  /** Concurrent misses on one model read it from the database once. */
  private readonly artifacts = sharedReads<PredictArtifact>();

  constructor(private readonly db: Db) {}

  /**
   * The response body, `{"outputs":[[...],...]}` as UTF-8 JSON, for `rows` through model `id`,
   * computed (and serialized) in one of `pool`'s model threads, or inline when it has none; with
   * `mcDropout`, the mean over its samples with dropout active, and `"std"`.
   * Rejects as predictRows does (400 for rows that do not fit, 422 for outputs that are not
   * finite), 400 for MC dropout on a model without dropout, 404 for a model deleted meanwhile,
   * 503 when the pool is full.
   */
  async predict(id: string, rows: PackedRows, pool: ThreadPool, mcDropout?: McDropoutRequest): Promise<Buffer> {
    let answer = await pool.run('predict', { modelId: id, rows, mcDropout }, { transfer: packedBuffers(rows) });
    if (!answer.loaded) {
      // This thread has not loaded the model: send it, once, with the rows it gave back. The
      // weights are shared memory, so any number of requests send them without a copy each.
      const artifact = await this.artifacts(id, () => this.read(id));
      answer = await pool.run('predict', { modelId: id, rows: answer.rows, artifact, mcDropout }, { transfer: packedBuffers(answer.rows) });
    }
    if (!answer.loaded) throw new Error(`the model thread did not load model ${id} from the artifact it was sent`);
    return Buffer.from(answer.json.buffer, answer.json.byteOffset, answer.json.byteLength);
  }

  /** The stored artifact, its weights copied into a SharedArrayBuffer. */
  private async read(id: string): Promise<PredictArtifact> {
    const { modelJson, weights } = await getArtifact(this.db, id);
    const shared = new Uint8Array(new SharedArrayBuffer(weights.byteLength));
    shared.set(weights);
    return { modelJson, weights: shared };
  }

  /** Drops a deleted model from every thread's cache (a prediction still using it finishes first). */
  forget(id: string): void {
    tellModelCaches({ forget: id });
  }

  /** Drops every cached model (the API is stopping); one still predicting is disposed when it is done. */
  dispose(): void {
    tellModelCaches({ clear: true });
  }
}
