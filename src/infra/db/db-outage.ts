import { isDbError, isDbUnavailable } from './db-errors.js';

/**
 * Whether `err` is the database being unavailable, as its client saw it after waiting for it
 * (DB_RETRY_S): not a bug, and not another service (a dataset download's ECONNREFUSED is not an
 * outage of ours). Such a job goes back to the queue without spending one of its attempts.
 */
export function isDatabaseOutage(err: unknown): boolean {
  return isDbUnavailable(err) && isDbError(err);
}

/** Least time a job handed back during an outage waits in the queue before a worker takes it again. */
const OUTAGE_DELAY_MS = 5_000;

/**
 * The wait before a job handed back during an outage is taken again: between one and two
 * OUTAGE_DELAY_MS, jittered so that the jobs of a fleet do not all come back at the same moment.
 * Every take waits DB_RETRY_S for the database again, so this only spaces out the tries.
 */
export function outageDelayMs(random = Math.random): number {
  return Math.round(OUTAGE_DELAY_MS * (1 + random()));
}
