/**
 * The largest event id: ids are epochs (1 + k for the k-th), read as int4. A larger
 * Last-Event-ID resumes after every event rather than asking the database for an epoch it
 * cannot hold (a 500).
 */
export const MAX_EVENT_ID = 2 ** 31 - 1;

/**
 * Where a job's event stream resumes (`jobEvents`' `after`): after the event whose id a client
 * sent as Last-Event-ID, or from the start (-1). Only the ids the stream sends count: a decimal
 * integer, spaces around it allowed. Anything else (no header, a negative number, `1e3`, `0x10`,
 * `3.5`, text) is not an id of ours, so the stream starts over: a client then sees events twice
 * (each with its id, so it can tell) rather than missing some.
 */
export function resumeAfter(lastEventId: string | undefined): number {
  const text = (lastEventId ?? '').trim();
  if (!/^\d+$/.test(text)) return -1;
  return Math.min(Number(text), MAX_EVENT_ID);
}
