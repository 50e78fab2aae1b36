import type { Db } from '../../infra/db/prisma.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * RETENTION_DAYS: checkpoints of ended jobs, kept that many days after the job ended, then
 * deleted (their bytes leave the tenant's storage use). A checkpoint exists only to resume an
 * interrupted attempt, so a job that ends normally drops its own at once (`executeRun`);
 * what this sweeps are those left behind by jobs ended from outside their training process:
 * failed after the queue gave up on them, cancelled before an attempt took them, or ended while
 * their process was gone. 0 (the default) sweeps them at the next round.
 * Returns how many checkpoints it deleted.
 */
export async function sweepEndedCheckpoints(db: Db, retentionDays: number, now = Date.now()): Promise<number> {
  const endedBefore = new Date(now - retentionDays * DAY_MS);
  const deleted = await db.checkpoint.deleteMany({
    where: { run: { status: { in: ['succeeded', 'failed', 'cancelled'] }, OR: [{ finishedAt: { lt: endedBefore } }, { finishedAt: null }] } },
  });
  return deleted.count;
}
