import type { Logger } from 'pino';
import { withTimeout } from '../infra/concurrency/timeout.js';

/** How long an API in one process with the worker waits for the worker's training processes to load before it listens. */
const WARM_WAIT_MS = 20_000;

/**
 * Resolves once `warm` has, or after `ms` (default {@link WARM_WAIT_MS}). In one process with the worker (`all`),
 * the API listens only once the worker's first training processes have loaded: a job sent as soon
 * as /health answers 200 then starts at once instead of waiting seconds for one to load. The
 * worker starts first, so its processes load while the API starts and this is seldom a wait.
 * Bounded: a load that is slow or failing (each job then reports it) delays the API no more.
 */
export async function warmWithin(warm: Promise<void>, log: Pick<Logger, 'info' | 'warn'>, ms = WARM_WAIT_MS): Promise<void> {
  const started = performance.now();
  const waited = await withTimeout(warm, ms, 'the training processes').then(
    () => true,
    () => false,
  );
  const tookMs = Math.round(performance.now() - started);
  if (!waited) log.warn(`the training processes are still loading after ${ms} ms; the API starts without them`);
  else if (tookMs >= 10) log.info(`the API waited ${tookMs} ms for the training processes to load`);
}
