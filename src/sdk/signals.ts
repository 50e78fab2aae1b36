/** Waiting and per-request signals that honour the caller's AbortSignal. */

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal of our own for one request, aborted when the caller's aborts. The caller's signal
 * then holds one listener per request in flight, removed when it is done, instead of one per
 * request ever made (undici keeps its listener until the request is garbage collected, which
 * trips Node's MaxListeners warning on a long poll).
 */
export function linkSignal(signal?: AbortSignal): { signal?: AbortSignal; dispose(): void } {
  if (!signal) return { dispose() {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => signal.removeEventListener('abort', onAbort) };
}
