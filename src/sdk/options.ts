import type { EpochMetrics, JobEvent } from './types.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TrainingClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Headers sent with every request (e.g. for a proxy in front of the service). */
  headers?: Record<string, string>;
  /** An API key, sent as `Authorization: Bearer <key>` with every request (needed once the service has keys). */
  apiKey?: string;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface WatchOptions extends CallOptions {
  /** Resume after this event id (as `Last-Event-ID`). */
  lastEventId?: string;
  /** `sse` (live events only), `poll` (GET /jobs/:id + /metrics only), or `auto` (default: SSE, polling when the stream is not available). */
  transport?: 'auto' | 'sse' | 'poll';
  /** Polling interval of the fallback, in ms (default 1000). */
  pollMs?: number;
  /** How many times in a row a dropped stream is reopened before giving up (default 10). */
  maxReconnects?: number;
  /** Wait before reopening a dropped stream, in ms (default 500, doubling to 8 s). */
  reconnectDelayMs?: number;
}

export interface WaitOptions extends WatchOptions {
  /** Called once per finished epoch, in order. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Called with every event (status, epoch, progress). */
  onEvent?: (event: JobEvent) => void;
}

export interface PredictOptions extends CallOptions {
  /**
   * Monte Carlo dropout: the outputs are the mean over `samples` (2 to 100) passes with the
   * model's dropout layers active, and `std` their standard deviation; `seed` makes it repeatable.
   * samples x inputs may be at most 10000.
   */
  mcDropout?: { samples: number; seed?: number };
}

export interface CsvUploadOptions extends CallOptions {
  /** Header of the label column; omit for an unlabeled dataset. */
  labelColumn?: string;
  /** The dataset's name (default: the file name). */
  name?: string;
}

export interface ImportModelInput {
  /** The model.json of a TensorFlow.js layers model. */
  modelJson: Record<string, unknown>;
  /** The weight files named by its manifest, concatenated in manifest order: bytes, or base64. */
  weights: ArrayBuffer | ArrayBufferView | string;
  /** Register it under this name, as its next version. */
  name?: string;
}
