import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, isFinalStatus, type JobEvent } from '../../../src/sdk/index.js';
import { client } from './client.js';
import type { EpochMetrics } from './types.js';

export interface Progress {
  epoch: number;
  batch: number;
  batches: number;
}

export interface JobStream {
  epochs: EpochMetrics[];
  status: string | null;
  progress: Progress | null;
  /** Bumped on every durable event, so pages refetch what the stream does not carry. */
  version: number;
}

/** The wait before following again after watchJob gave up. */
const RETRY_MS = 1000;

/**
 * A job's life as it happens, from GET /jobs/:id/events through the SDK's watchJob: first what
 * already happened, then each epoch and status as the worker reports it. Epochs are
 * deduplicated by number, so a reconnect that repeats one changes nothing.
 */
export function useJobStream(id: string): JobStream {
  const [state, setState] = useState<JobStream>({ epochs: [], status: null, progress: null, version: 0 });
  const epochs = useRef<EpochMetrics[]>([]);
  useEffect(() => {
    epochs.current = [];
    setState({ epochs: [], status: null, progress: null, version: 0 });
    const abort = new AbortController();
    const onEvent = (ev: JobEvent) => {
      if (ev.event === 'epoch') {
        const row = ev.data;
        const last = epochs.current[epochs.current.length - 1];
        if (!last || row.epoch > last.epoch) epochs.current = [...epochs.current, row];
        else if (!epochs.current.some((e) => e.epoch === row.epoch)) epochs.current = [...epochs.current, row].sort((a, b) => a.epoch - b.epoch);
        else return;
        setState((s) => ({ ...s, epochs: epochs.current, version: s.version + 1 }));
      } else if (ev.event === 'status') {
        const { status } = ev.data;
        setState((s) => ({ ...s, status, progress: isFinalStatus(status) ? null : s.progress, version: s.version + 1 }));
      } else if (ev.event === 'progress') {
        setState((s) => ({ ...s, progress: ev.data }));
      }
    };
    void follow(id, abort.signal, onEvent);
    return () => abort.abort();
  }, [id]);
  return state;
}

/**
 * Follows the job's events until its final status or `signal`. watchJob reopens a dropped
 * stream itself; it throws when the server ends the stream (the key was revoked: reopening
 * brings up the key prompt) or after many failed reconnects, and both resume here after the
 * last event seen. An unknown job (404) has nothing to follow.
 */
async function follow(id: string, signal: AbortSignal, onEvent: (ev: JobEvent) => void): Promise<void> {
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      for await (const ev of client.watchJob(id, { signal, lastEventId })) {
        if (ev.id !== undefined) lastEventId = ev.id;
        onEvent(ev);
      }
      return;
    } catch (err) {
      if (signal.aborted || (err instanceof ApiError && err.status === 404)) return;
      console.warn('event stream interrupted', err);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
