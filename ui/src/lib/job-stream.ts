import { useEffect, useRef, useState } from 'preact/hooks';
import { followEvents } from './sse.js';
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

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A job's life as it happens, from GET /jobs/:id/events: first what already happened, then
 * each epoch and status as the worker reports it. Epochs are deduplicated by number, so a
 * reconnect that repeats one changes nothing.
 */
export function useJobStream(id: string): JobStream {
  const [state, setState] = useState<JobStream>({ epochs: [], status: null, progress: null, version: 0 });
  const epochs = useRef<EpochMetrics[]>([]);
  useEffect(() => {
    epochs.current = [];
    setState({ epochs: [], status: null, progress: null, version: 0 });
    const abort = new AbortController();
    followEvents(`/jobs/${encodeURIComponent(id)}/events`, {
      signal: abort.signal,
      isDone: (ev) => ev.event === 'status' && ENDED.has(JSON.parse(ev.data).status),
      onEvent: (ev) => {
        const data = JSON.parse(ev.data);
        if (ev.event === 'epoch') {
          const row = data as EpochMetrics;
          const last = epochs.current[epochs.current.length - 1];
          if (!last || row.epoch > last.epoch) epochs.current = [...epochs.current, row];
          else if (!epochs.current.some((e) => e.epoch === row.epoch)) epochs.current = [...epochs.current, row].sort((a, b) => a.epoch - b.epoch);
          else return;
          setState((s) => ({ ...s, epochs: epochs.current, version: s.version + 1 }));
        } else if (ev.event === 'status') {
          setState((s) => ({ ...s, status: data.status, progress: ENDED.has(data.status) ? null : s.progress, version: s.version + 1 }));
        } else if (ev.event === 'progress') {
          setState((s) => ({ ...s, progress: data as Progress }));
        }
      },
    });
    return () => abort.abort();
  }, [id]);
  return state;
}
