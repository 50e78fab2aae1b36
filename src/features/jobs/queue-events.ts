import { EventEmitter } from 'node:events';
import type { QueueEvents } from 'bullmq';

/** What the queue told us about a job: it moved, or its worker reported progress. */
export interface QueueSignal {
  type: 'progress' | 'active' | 'completed' | 'failed';
  data?: unknown;
}

/**
 * Live signals from the workers, carried by the queue (Redis pub/sub streams, or the PostgreSQL
 * backend's notifications) and fanned out to the event streams of this API process. A signal
 * only says "look again" or carries transient progress: what an event stream sends about epochs
 * and status is always read from PostgreSQL, the source of truth.
 */
export class JobEventHub {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly queueEvents: QueueEvents,
    onError: (err: Error) => void = () => {},
  ) {
    // Many clients may watch many jobs; each waits on its own job id.
    this.emitter.setMaxListeners(0);
    // Without a listener, an 'error' (the PostgreSQL backend's LISTEN connection ending when the
    // database shuts down: 57P01) would be thrown as an uncaught exception and end the process.
    queueEvents.on('error', onError);
    queueEvents.on('progress', ({ jobId, data }) => this.emitter.emit(jobId, { type: 'progress', data }));
    queueEvents.on('active', ({ jobId }) => this.emitter.emit(jobId, { type: 'active' }));
    queueEvents.on('completed', ({ jobId }) => this.emitter.emit(jobId, { type: 'completed' }));
    queueEvents.on('failed', ({ jobId }) => this.emitter.emit(jobId, { type: 'failed' }));
  }

  /** The next signal about `jobId`, or null after `ms` (or when `signal` aborts). */
  next(jobId: string, ms: number, signal: AbortSignal): Promise<QueueSignal | null> {
    return new Promise((resolve) => {
      const finish = (value: QueueSignal | null) => {
        clearTimeout(timer);
        this.emitter.off(jobId, onSignal);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onSignal = (value: QueueSignal) => finish(value);
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), ms);
      this.emitter.on(jobId, onSignal);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.queueEvents.close();
  }
}
