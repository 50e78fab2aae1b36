import os from 'node:os';
import { Piscina } from 'piscina';
import { HttpError } from '../errors.js';
import { SpecError } from '../training/types.js';
import type { TaskResult, Tasks } from './heavy-tasks.js';

/** Runs the heavy request work of {@link ./heavy-tasks.ts} off the event loop. */
export interface HeavyPool {
  run<K extends keyof Tasks>(task: K, input: Tasks[K]['input'], opts?: { timeoutMs?: number }): Promise<Tasks[K]['output']>;
  close(): Promise<void>;
}

/** Longest one task may take before its thread is stopped and the request answered 503. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A worker-thread pool (piscina) for the API: sized from the cores, leaving one to the event
 * loop (at least 1, at most 4 threads, started on first use and stopped after a minute idle).
 * A task past its time limit has its thread terminated, so a runaway parse cannot pile up.
 */
export function createHeavyPool(opts: { threads?: number } = {}): HeavyPool {
  const threads = opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism() - 1));
  // Threads load TypeScript as this process does: through tsx (already on execArgv under `tsx`).
  const viaTsx = process.execArgv.some((a) => a.includes('tsx'));
  const pool = new Piscina({
    filename: new URL('./heavy-tasks.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
    execArgv: viaTsx ? process.execArgv : ['--import', 'tsx'],
  });
  return {
    async run(task, input, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      let result: TaskResult<never>;
      try {
        result = await pool.run({ task, input }, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') {
          throw new HttpError(503, 'timeout', `the request took longer than ${timeoutMs / 1000} s to process and was stopped; send less at once`);
        }
        throw err;
      }
      if (result.ok) return result.value;
      const e = result.error;
      if (e.kind === 'spec') throw new SpecError(e.message, e.details);
      throw new HttpError(e.statusCode ?? 400, e.code ?? 'invalid_request', e.message, e.details);
    },
    close: () => pool.destroy(),
  };
}
