import { enqueueRun, type TrainQueue } from '../../infra/queue/train-queue.js';
import type { Db } from '../../infra/db/prisma.js';
import { sweepEndedCheckpoints } from './retention.js';
import { every } from '../../infra/periodic.js';
import { requeuePriority } from './fair-priority.js';
import { recordJobLost } from '../../infra/metrics.js';
import { safeRunError } from '../../infra/db/run-error.js';

/** A queued run younger than this may simply not have reached the queue yet. */
const QUEUED_GRACE_MS = 30_000;
/** A running run whose process has not touched its heartbeat for this long is trained by nobody. */
const HEARTBEAT_STALE_MS = 90_000;

/**
 * PostgreSQL is the source of truth and the queue only carries work: when the queue loses a job
 * (Redis restarted without persistence, a flush, an enqueue that timed out after writing), the
 * run would wait forever. This puts such runs back on the queue: queued runs missing from it,
 * and running runs that nobody trains (stale heartbeat, no live queue job).
 * Returns the ids it re-enqueued.
 */
export async function reconcileRuns(deps: { db: Db; queue: TrainQueue }, now = Date.now()): Promise<string[]> {
  const candidates = await deps.db.run.findMany({
    where: {
      OR: [
        { status: 'queued', createdAt: { lt: new Date(now - QUEUED_GRACE_MS) } },
        { status: 'running', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: new Date(now - HEARTBEAT_STALE_MS) } }] },
      ],
    },
    select: { id: true, status: true, fairTag: true },
    take: 500,
  });
  const requeued: string[] = [];
  for (const run of candidates) {
    const job = await deps.queue.getJob(run.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      // The queue gave up on it (attempts spent): the run ends failed rather than starting over.
      // The worker that saw it fail may have died before ending the run (and counting it).
      if (
        await markRunFailed(
          deps.db,
          run.id,
          `the training process stopped ${job?.attemptsMade ?? '?'} times; last: ${safeRunError(job?.failedReason) ?? 'unknown'}`,
        )
      )
        recordJobLost();
    } else if (state === 'missing' || state === 'unknown' || state === 'completed') {
      // Lost by the queue, or finished there without its outcome reaching the database.
      if (job) await job.remove().catch(() => {});
      await enqueueRun(deps.queue, run.id, requeuePriority(run.fairTag));
      requeued.push(run.id);
    }
  }
  return requeued;
}

/**
 * Ends a run that no worker will finish as `failed`, unless it has ended meanwhile. Returns
 * whether it did (so the job is counted as lost exactly once, by whoever ended it).
 */
export async function markRunFailed(db: Db, runId: string, error: string): Promise<boolean> {
  // Shown to the tenant: never the database layer's words, whatever reason a caller passes on.
  const { count } = await db.run.updateMany({
    where: { id: runId, status: { in: ['queued', 'running'] } },
    data: { status: 'failed', finishedAt: new Date(), error: safeRunError(error) },
  });
  return count > 0;
}

/**
 * Runs {@link reconcileRuns} every `intervalMs`, and the RETENTION_DAYS sweep of ended jobs'
 * checkpoints; errors (a dependency down) wait for the next round.
 */
export function startReconciler(deps: { db: Db; queue: TrainQueue; log: (msg: string) => void; retentionDays?: number }, intervalMs = 30_000): () => void {
  return every(
    intervalMs,
    async () => {
      const ids = await reconcileRuns(deps);
      if (ids.length) deps.log(`reconciler re-enqueued ${ids.length} run(s) missing from the queue: ${ids.join(', ')}`);
      const swept = await sweepEndedCheckpoints(deps.db, deps.retentionDays ?? 0);
      if (swept) deps.log(`retention: deleted ${swept} checkpoint(s) of ended jobs (RETENTION_DAYS=${deps.retentionDays ?? 0})`);
    },
    { onError: (err) => deps.log(`a reconciler round failed and will try again each round: ${(err as Error).message}`) },
  );
}
