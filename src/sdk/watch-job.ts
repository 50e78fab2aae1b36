import { ApiError, isAbort } from './errors.js';
import type { WatchOptions } from './options.js';
import { linkSignal, sleep } from './signals.js';
import { parseSse } from './sse.js';
import type { Job, JobEvent, JobMetrics, JobStatus } from './types.js';

const FINAL: ReadonlySet<JobStatus> = new Set<JobStatus>(['succeeded', 'failed', 'cancelled']);

/** True when a job status is final. */
export function isFinalStatus(status: JobStatus): boolean {
  return FINAL.has(status);
}

/** What following a job needs from the client: its event stream, and the reads the polling fallback makes. */
export interface JobEventSource {
  /** Opens GET /jobs/:id/events (resuming after `lastEventId` when given). */
  openEvents(id: string, lastEventId: string | undefined, signal: AbortSignal | undefined): Promise<Response>;
  getJob(id: string, opts: { signal?: AbortSignal }): Promise<Job>;
  getMetrics(id: string, opts: { signal?: AbortSignal }): Promise<JobMetrics>;
}

/** `TrainingClient.watchJob`: the event stream, reopened after drops, with polling as the fallback. */
export async function* watchJobEvents(source: JobEventSource, id: string, opts: WatchOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
  const { signal } = opts;
  const transport = opts.transport ?? 'auto';
  let lastId = opts.lastEventId;
  if (transport === 'poll') {
    yield* pollJobEvents(source, id, { signal, pollMs: opts.pollMs, after: lastId });
    return;
  }
  const maxReconnects = opts.maxReconnects ?? 10;
  const baseDelay = opts.reconnectDelayMs ?? 500;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    let res: Response;
    const link = linkSignal(signal);
    try {
      res = await source.openEvents(id, lastId, link.signal);
    } catch (err) {
      link.dispose();
      if (isAbort(err, signal)) throw signal?.reason ?? err;
      if (++failures > maxReconnects) throw err;
      await sleep(Math.min(baseDelay * 2 ** (failures - 1), 8000), signal);
      continue;
    }

    const type = res.headers.get('content-type') ?? '';
    if (!res.ok || !type.includes('text/event-stream') || !res.body) {
      link.dispose();
      const transient = res.status >= 500 && res.status !== 501;
      if (transient && ++failures <= maxReconnects) {
        await res.body?.cancel().catch(() => {});
        await sleep(Math.min(baseDelay * 2 ** (failures - 1), 8000), signal);
        continue;
      }
      if (transport === 'sse' || transient) {
        if (!res.ok) throw await ApiError.fromResponse(res, 'GET', `/jobs/${id}/events`);
        await res.body?.cancel().catch(() => {});
        throw new Error(`GET /jobs/${id}/events answered ${type || 'no content type'}, not an event stream`);
      }
      await res.body?.cancel().catch(() => {});
      // No event stream here: poll instead (getJob throws the 404 if the job itself is unknown).
      yield* pollJobEvents(source, id, { signal, pollMs: opts.pollMs, after: lastId });
      return;
    }

    try {
      for await (const message of parseSse(res.body)) {
        if (message.event === 'error') throw ApiError.fromStreamEvent(message.data, `/jobs/${id}/events`);
        if (message.event !== 'status' && message.event !== 'epoch' && message.event !== 'progress') continue;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          continue;
        }
        failures = 0;
        if (message.id !== undefined) lastId = message.id;
        const event = { event: message.event, data, ...(message.id !== undefined ? { id: message.id } : {}) } as JobEvent;
        yield event;
        if (event.event === 'status' && isFinalStatus(event.data.status)) return;
        signal?.throwIfAborted();
      }
    } catch (err) {
      if (isAbort(err, signal)) throw signal?.reason ?? err;
      // The server ended the stream for a reason that reconnecting would not change.
      if (err instanceof ApiError) throw err;
      // The connection broke mid-stream: fall through and resume.
    } finally {
      link.dispose();
    }
    // The stream ended before the final status: reopen it after the last event we saw.
    if (++failures > maxReconnects) throw new Error(`the event stream of job ${id} kept dropping (${maxReconnects} reconnects)`);
    await sleep(Math.min(baseDelay * 2 ** (failures - 1), 8000), signal);
  }
}

/**
 * The polling fallback of watchJob: the same events, numbered as the server numbers them
 * (0 `queued`, 1 `running`, 1 + k the k-th epoch, then the final status).
 */
async function* pollJobEvents(
  source: JobEventSource,
  id: string,
  opts: { signal?: AbortSignal; pollMs?: number; after?: string },
): AsyncGenerator<JobEvent, void, undefined> {
  const pollMs = opts.pollMs ?? 1000;
  const after = Number.parseInt(opts.after ?? '', 10);
  let next = Number.isFinite(after) ? after + 1 : 0;
  let lastProgress = '';
  for (;;) {
    const job = await source.getJob(id, { signal: opts.signal });
    const ended = isFinalStatus(job.status);
    if (next <= 0) {
      yield { id: '0', event: 'status', data: { status: 'queued' } };
      next = 1;
    }
    if (next === 1 && (job.startedAt || job.status === 'running' || (ended && job.metrics))) {
      yield { id: '1', event: 'status', data: { status: 'running' } };
      next = 2;
    }
    if (next >= 2 && (ended || (job.metrics && job.metrics.epoch + 1 >= next))) {
      const { epochs } = await source.getMetrics(id, { signal: opts.signal });
      for (const row of epochs) {
        if (row.epoch + 1 < next) continue;
        yield { id: String(row.epoch + 1), event: 'epoch', data: row };
        next = row.epoch + 2;
      }
    }
    if (ended) {
      if (next === 1) next = 2;
      yield { id: String(next), event: 'status', data: { status: job.status, error: job.error } };
      return;
    }
    if (job.status === 'running' && job.progress) {
      const text = JSON.stringify(job.progress);
      if (text !== lastProgress) {
        lastProgress = text;
        yield { event: 'progress', data: job.progress };
      }
    }
    await sleep(pollMs, opts.signal);
  }
}
