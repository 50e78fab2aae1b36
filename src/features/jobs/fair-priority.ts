/**
 * Fair scheduling on plain BullMQ priorities (no Pro groups): start-time fair queuing by rounds.
 *
 * Every run gets a tag, its round: a tenant's queued runs take rounds one after another (FIFO
 * within the tenant), and a tenant with nothing queued joins the round being served now. BullMQ
 * serves the lowest priority first and FIFO among equals, so queued jobs interleave round-robin
 * across tenants: tenant A's 20 queued jobs hold rounds 1..20; tenant B's single job takes the
 * current round and starts after the job running now. The priority is 2*tag, minus one for a
 * tenant joining with nothing queued, so it goes before the jobs already waiting in its round.
 *
 * "The round being served" is the highest tag among running runs, else the round before the
 * lowest queued one; with nothing queued or running the rounds start over from 1, so tags stay
 * small (BullMQ priorities stop at 2^21) unless the queue never empties for a million rounds.
 */
export interface FairState {
  /** Highest tag among running runs (any tenant), or null. */
  runningMaxTag: number | null;
  /** Lowest tag among queued runs (any tenant), or null. */
  queuedMinTag: number | null;
  /** Highest tag among this tenant's queued runs, or null when it has none queued. */
  tenantQueuedMaxTag: number | null;
}

/** BullMQ's largest priority (2^21); 0 means "no priority" and would jump every prioritized job. */
export const MAX_PRIORITY = 2_097_152;
const MAX_TAG = MAX_PRIORITY / 2;

/** The tag and BullMQ priority of a tenant's next run. */
export function nextFairTag(s: FairState): { tag: number; priority: number } {
  const current = s.runningMaxTag ?? (s.queuedMinTag !== null ? s.queuedMinTag - 1 : 0);
  const joining = s.tenantQueuedMaxTag === null;
  const tag = Math.min(MAX_TAG, joining ? current + 1 : Math.max(s.tenantQueuedMaxTag! + 1, current + 1));
  return { tag, priority: joining ? 2 * tag - 1 : 2 * tag };
}

/**
 * The priority to queue an already-recorded run at again (a lost job, a study step that died
 * between creating a run and queueing it): its own round, without the joining bonus.
 */
export function requeuePriority(fairTag: number | null): number | undefined {
  return fairTag ? 2 * fairTag : undefined;
}
