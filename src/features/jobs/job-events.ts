import type { TrainQueue } from '../../infra/queue/train-queue.js';
import { isDbUnavailable } from '../../infra/db/db-errors.js';
import type { Db } from '../../infra/db/prisma.js';
import type { JobEventHub } from './queue-events.js';
import { toEpochRow } from './jobs.js';
import { safeRunError } from '../../infra/db/run-error.js';
import { sharedReadsPerClient } from '../../infra/concurrency/single-flight.js';

export interface JobEvent {
  /** Present on durable events (status, epoch): a client resumes after it with Last-Event-ID. */
  id?: number;
  event: 'status' | 'epoch' | 'progress';
  data: unknown;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

type RunRead = Awaited<ReturnType<typeof readRun>>;
const readRun = (db: Db, id: string, from: number) =>
  db.run.findUnique({
    where: { id },
    select: { status: true, startedAt: true, error: true, epochs: { where: { epoch: { gte: from } }, orderBy: { epoch: 'asc' } } },
  });
const readsOf = sharedReadsPerClient<RunRead>();

/** Longest wait between two reads while the database is unavailable under an open stream. */
const OUTAGE_WAIT_CAP_MS = 5_000;

/** With live signals from the queue, PostgreSQL is still read this often, in case one is missed. */
const SAFETY_POLL_MS = 2_000;

/**
 * The events of a job as a stream. What it sends about status and epochs is read from
 * PostgreSQL (the source of truth), so any API instance can serve any job and a late client
 * first gets what already happened; when to read comes from the workers through the queue
 * (`hub`: progress and state changes, pushed), else from polling every `pollMs`.
 * Durable events are numbered by their place in the job's life: 0 `queued`, 1 `running`,
 * 1 + k the k-th epoch, and the final status after the last epoch. Progress events are
 * transient (no id).
 */
export async function* jobEvents(
  deps: { db: Db; queue: TrainQueue; events?: JobEventHub },
  id: string,
  opts: { after: number; pollMs?: number; signal: AbortSignal },
): AsyncGenerator<JobEvent> {
  const pollMs = opts.pollMs ?? 500;
  let pushed: unknown = null;
  let next = opts.after + 1;
  let lastProgress = '';
  let lastProgressAt = 0;
  let progressEpoch: number | undefined;
  let outageWaits = 0;
  while (!opts.signal.aborted) {
    const from = Math.max(1, next - 1);
    // Streams of the same job reading from the same epoch at the same time share one read (the
    // rows are only read from, never changed, by each stream).
    let run: RunRead;
    try {
      run = await readsOf(deps.db)(`${id}:${from}`, () => readRun(deps.db, id, from));
      outageWaits = 0;
    } catch (err) {
      // The database went away under an open stream: keep it open (its heartbeat still flows)
      // and read again with backoff, rather than end it; a new stream would only get a 503 now.
      if (!isDbUnavailable(err)) throw err;
      await sleep(Math.min(OUTAGE_WAIT_CAP_MS, pollMs * 2 ** outageWaits++), opts.signal);
      continue;
    }
    if (!run) return;
    if (next <= 0) {
      yield { id: 0, event: 'status', data: { status: 'queued' } };
      next = 1;
    }
    if (next === 1 && run.startedAt) {
      yield { id: 1, event: 'status', data: { status: 'running' } };
      next = 2;
    }
    for (const row of run.epochs) {
      if (row.epoch + 1 < next) continue;
      yield { id: row.epoch + 1, event: 'epoch', data: toEpochRow(row) };
      next = row.epoch + 2;
    }
    if (ENDED.has(run.status)) {
      // A job cancelled while queued never ran: its final status follows `queued` directly.
      if (next === 1) next = 2;
      yield { id: next, event: 'status', data: { status: run.status, error: safeRunError(run.error) } };
      return;
    }
    if (run.status === 'running') {
      let progress = pushed;
      pushed = null;
      if (!deps.events && Date.now() - lastProgressAt >= 1000) {
        lastProgressAt = Date.now();
        progress = (await deps.queue.getJob(id).catch(() => undefined))?.progress;
      }
      const text = JSON.stringify(progress ?? null);
      if (progress && typeof progress === 'object' && text !== lastProgress) {
        lastProgress = text;
        yield { event: 'progress', data: progress };
      }
    }
    if (deps.events) {
      // Progress within the same epoch is passed on without touching the database; a new
      // epoch's first progress (its predecessor is stored by then), a state change or the
      // safety interval sends the loop back to read it.
      const deadline = Date.now() + SAFETY_POLL_MS;
      for (;;) {
        const signal = await deps.events.next(id, Math.max(0, deadline - Date.now()), opts.signal);
        if (signal?.type !== 'progress') break;
        const epoch = (signal.data as { epoch?: number } | null)?.epoch;
        if (epoch !== progressEpoch) {
          progressEpoch = epoch;
          pushed = signal.data;
          break;
        }
        const text = JSON.stringify(signal.data);
        if (signal.data && typeof signal.data === 'object' && text !== lastProgress) {
          lastProgress = text;
          yield { event: 'progress', data: signal.data };
        }
      }
    } else {
      await sleep(pollMs, opts.signal);
    }
  }
}

/** Waits `ms`, or less if the signal aborts; leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
