/**
 * Reads of the same thing at the same time, made once: 500 event streams of one job, opened or
 * woken together, each read the job through Prisma (over a quarter of the event loop's time while
 * they ran: `npm run bench:responsiveness`); with this they wait on one read. Nothing is cached:
 * once a read settles, the next caller starts a fresh one. A caller that joins a read in flight
 * gets what that read found, which may predate its own call by at most one read's time.
 */
export function sharedReads<T>(): (key: string, read: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key, read) => {
    const pending = inFlight.get(key);
    if (pending) return pending;
    const started = read().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}

/**
 * {@link sharedReads} kept per database client (tests run several clients, one schema each, in
 * one process, and a read of one must never answer a caller of another).
 */
export function sharedReadsPerClient<T>(): (client: object) => (key: string, read: () => Promise<T>) => Promise<T> {
  const byClient = new WeakMap<object, (key: string, read: () => Promise<T>) => Promise<T>>();
  return (client) => {
    let reads = byClient.get(client);
    if (!reads) byClient.set(client, (reads = sharedReads<T>()));
    return reads;
  };
}
