/**
 * The /health prober of bench/responsiveness.ts, in its own process: the bench's own process
 * sends the large requests (a 60 MB body to encode, 500 event streams to read), and a probe
 * sharing its event loop would time that process's stalls as the API's.
 *
 * Forked with the API's base URL as argv[2]; after one unmeasured request, probes /health one
 * request at a time, every 20 ms, and on `{ type: 'stop' }` answers
 * `{ type: 'latencies', latencies, startedAt }` (a timeout counts 5000 ms; `startedAt`: when each
 * probe was sent, in ms since the epoch, to match against other processes' clocks) and exits.
 */
const base = process.argv[2];
const latencies: number[] = [];
const startedAt: number[] = [];
let running = true;

// One unmeasured request first: a fresh process's first fetch opens the connection and sets up
// the HTTP client (about 50 ms here), which would be the p99 of every short case.
await fetch(`${base}/health`)
  .then((r) => r.arrayBuffer())
  .catch(() => {});

const done = (async () => {
  while (running) {
    const t = performance.now();
    startedAt.push(performance.timeOrigin + t);
    try {
      await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - t);
    } catch {
      latencies.push(5_000);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
})();

process.on('message', async (msg: { type: string }) => {
  if (msg.type !== 'stop') return;
  running = false;
  await done;
  process.send?.({ type: 'latencies', latencies, startedAt }, () => process.exit(0));
});
process.send?.({ type: 'ready' });
