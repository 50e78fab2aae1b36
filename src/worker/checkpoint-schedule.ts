/**
 * When a running job stores its checkpoint: at an epoch's end, once `everyMs` have passed since
 * the last one (or since training began), and never more often than 20 times the last
 * checkpoint's own duration, so storing them stays within about 5% of the training time even
 * for a model whose checkpoint takes seconds to write. `everyMs` 0 stores one after every epoch.
 *
 * Why not every epoch: each checkpoint is every weight and the optimizer's state written to
 * PostgreSQL (a sizeable share of a short epoch even for a small model, seconds for a large one;
 * `npm run bench:workers`), which on a job of short epochs was the largest part of the worker's
 * time outside the training loop. What it costs: a crashed or handed-back run resumes from an older
 * epoch, redoing at most about `everyMs` plus one epoch of training.
 */
export class CheckpointSchedule {
  /** Keep the time spent storing checkpoints under 1/RATIO of the time between them. */
  private static readonly RATIO = 20;
  private last: number;
  private lastDurationMs = 0;

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(everyMs >= 0)) throw new Error(`everyMs must be a non-negative number, got ${everyMs}`);
    this.last = now();
  }

  /** Whether the epoch that just ended should be checkpointed. */
  due(): boolean {
    if (this.everyMs === 0) return true;
    return this.now() - this.last >= Math.max(this.everyMs, CheckpointSchedule.RATIO * this.lastDurationMs);
  }

  /** Runs `store` as the checkpoint of this epoch and times it; the next one is counted from its end. */
  async store(store: () => Promise<void>): Promise<void> {
    const started = this.now();
    await store();
    this.last = this.now();
    this.lastDurationMs = this.last - started;
  }
}
