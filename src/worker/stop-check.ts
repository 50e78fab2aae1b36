import type { Db } from '../infra/db/prisma.js';

/** How often a running job touches its row: heartbeat out, cancel request in. */
const POLL_MS = 1_000;

export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/**
 * Thrown when this worker lets go of a run it has not finished (it is shutting down, or its
 * parent worker died): the run stays `running` and the queue gives it to another worker.
 */
export class HandBackError extends Error {
  override name = 'HandBackError';
}

/** Throws HandBackError once `signal` is aborted: the worker is stopping, or this process was told to stop. */
export function throwIfHandedBack(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HandBackError(`handed back: ${String(signal.reason ?? 'worker stopping')}`);
}

/**
 * `promise`, unless `signal` aborts first: then a HandBackError at once. For the waits before the
 * training loop's per-batch check begins (the process still loading its backend), so a stopping
 * worker is not held for as long as they take.
 */
export function unlessHandedBack<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfHandedBack(signal);
  let onAbort: () => void = () => {};
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      onAbort = () => reject(new HandBackError(`handed back: ${String(signal.reason ?? 'worker stopping')}`));
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ]).finally(() => signal.removeEventListener('abort', onAbort));
}

/**
 * The check a training loop makes after every batch. It answers "stop" for a user's cancel
 * (read from the run's row, so it works wherever the API that took the request runs), and
 * throws to hand the run back (worker shutting down or gone) or to end it (time limit).
 * The row is touched at most once a second, which doubles as the run's heartbeat; the touch is
 * made only while this attempt still holds the run.
 */
export function createStopCheck(opts: { db: Db; runId: string; attempt: number; signal?: AbortSignal; timeoutMs: number }): () => Promise<boolean> {
  const started = Date.now();
  let cancelRequested = false;
  let lastPoll = 0;
  return async () => {
    throwIfHandedBack(opts.signal);
    // Forked by a worker that has since died: stop, so the run is not trained twice once the
    // queue gives it to another worker.
    if (process.send && !process.connected) throw new HandBackError('handed back: the worker process is gone');
    if (Date.now() - started > opts.timeoutMs) {
      throw new JobTimeoutError(`the job ran longer than its limit of ${Math.round(opts.timeoutMs / 1000)} s (JOB_TIMEOUT_S)`);
    }
    if (Date.now() - lastPoll >= POLL_MS) {
      lastPoll = Date.now();
      const row = await opts.db.run
        .update({ where: { id: opts.runId, attempts: opts.attempt }, data: { heartbeatAt: new Date() }, select: { cancelRequested: true } })
        .catch((err: { code?: string }) => {
          // The run now belongs to a newer attempt (this worker lost its lock), or is gone.
          if (err.code === 'P2025') throw new HandBackError('handed back: another attempt has taken this run over');
          return null; // the database is unreachable for now: keep training, ask again later
        });
      cancelRequested = row?.cancelRequested ?? cancelRequested;
    }
    return cancelRequested;
  };
}
