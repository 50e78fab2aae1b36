/**
 * Results of the model check of POST /jobs (building the spec's layers with tfjs in a worker
 * thread: milliseconds of CPU and a place in the pool's bounded queue), remembered by what they
 * depend on: the spec parts the check reads (the `ModelCheckInput`, which is all the check is
 * given) and the dataset and base facts (`CheckContext`). A repeated architecture (a resubmitted
 * spec, a retry, a study's trials differing only in fit options) is not built again, and many
 * identical submissions at once share one build instead of each waiting for a thread, or being
 * refused 503 once the pool's queue is full (`npm run bench:profile -- submit`).
 *
 * Only settled answers are kept: a check that throws (pool busy, timed out) is not, so it is
 * tried again next time. Bounded, least recently used out first.
 */
import { createHash } from 'node:crypto';

export class SpecCheckCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly max = 1000) {}

  /** The key of an input: a SHA-256 of its JSON (the same spec sent twice serializes the same). */
  static keyOf(input: unknown): string {
    return createHash('sha256').update(JSON.stringify(input)).digest('base64url');
  }

  /** The cached answer for `key`, or `compute()`'s, shared with every caller asking meanwhile. */
  async get(key: string, compute: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      // Most recently used goes last: Map keeps insertion order, the first key is the oldest.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = compute();
      this.entries.set(key, entry);
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
      while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    // Each caller gets its own copy: nothing a caller does to its answer reaches the next one.
    return structuredClone(await entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
