/**
 * How the API tells every model thread's model cache (`predictTask`'s) that a model is gone:
 * piscina runs a task on whichever thread is free and cannot address them all, so this goes on
 * a BroadcastChannel, which reaches every thread of the process (and a cache on the API's own
 * thread when the tasks run inline). No tfjs here: the API's side imports it.
 */
import { BroadcastChannel } from 'node:worker_threads';

export const PREDICT_CACHE_CHANNEL = 'tfjs-training-service:predict-models';

/** Drop one model (deleted), or every model (the API is stopping). */
export type CacheMessage = { forget: string } | { clear: true };

/** Sends `message` to every model cache in this process. */
export function tellModelCaches(message: CacheMessage): void {
  const channel = new BroadcastChannel(PREDICT_CACHE_CHANNEL);
  channel.postMessage(message);
  // Closing after posting keeps the message: it is already queued for every listener.
  channel.close();
}

/** Calls `on` for every message to the model caches; the channel does not keep the thread alive. */
export function listenToModelCaches(on: (message: CacheMessage) => void): void {
  const channel = new BroadcastChannel(PREDICT_CACHE_CHANNEL);
  channel.onmessage = (event: unknown) => on((event as { data: CacheMessage }).data);
  channel.unref();
}
