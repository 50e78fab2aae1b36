/**
 * The /health prober of bench/responsiveness.ts, in its own process: the bench's own process
 * sends the large requests (a 60 MB body to encode, 500 event streams to read), and a probe
 * sharing its event loop would time that process's stalls as the API's.
 *
 * Forked with the API's base URL as argv[2]; probes /health one request at a time, every 20 ms,
 * from the start, and on `{ type: 'stop' }` answers `{ type: 'latencies', latencies }` (a
 * timeout counts 5000 ms) and exits.
 */
const base = process.argv[2];
const latencies: number[] = [];
let running = true;

const done = (async () => {
  while (running) {
    const t = performance.now();
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
  process.send?.({ type: 'latencies', latencies }, () => process.exit(0));
});
process.send?.({ type: 'ready' });
