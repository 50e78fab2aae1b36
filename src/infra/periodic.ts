/**
 * Runs `round` every `intervalMs` (and at once when `now`), never two at a time: a round still
 * running when the next is due lets that turn pass. A round that throws waits for the next: what it
 * needs (the database, the queue) is down, and /health says so. The timer does not hold the process
 * open. Returns the stop.
 */
export function every(intervalMs: number, round: () => Promise<void>, opts: { now?: boolean } = {}): () => void {
  let busy = false;
  const turn = async () => {
    if (busy) return;
    busy = true;
    try {
      await round();
    } catch {
      // Retried at the next turn.
    } finally {
      busy = false;
    }
  };
  if (opts.now) void turn();
  const timer = setInterval(turn, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
