/**
 * Runs `round` every `intervalMs` (and at once when `now`), never two at a time: a round still
 * running when the next is due lets that turn pass. A round that throws waits for the next (what it
 * needs, the database or the queue, is likely down, and /health says so); `onError` hears the first
 * failure of each run of failures, so a round that keeps failing for another reason is seen without
 * a line every turn. The timer does not hold the process open. Returns the stop.
 */
export function every(intervalMs: number, round: () => Promise<void>, opts: { now?: boolean; onError?: (err: unknown) => void } = {}): () => void {
  let busy = false;
  let failing = false;
  const turn = async () => {
    if (busy) return;
    busy = true;
    try {
      await round();
      failing = false;
    } catch (err) {
      // Retried at the next turn.
      if (!failing) opts.onError?.(err);
      failing = true;
    } finally {
      busy = false;
    }
  };
  if (opts.now) void turn();
  const timer = setInterval(turn, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
