import os from 'node:os';
import { Piscina } from 'piscina';
import { ServiceError } from '../core/errors.js';
import type { DataTasks } from './data-tasks.js';
import type { ModelTasks } from './model-tasks.js';
import { unwrap, type TaskResult } from './result.js';

/** Every task the pool runs, by name; `ping` is internal (warm-up). */
export type Tasks = Omit<DataTasks, 'ping'> & Omit<ModelTasks, 'ping'>;

/** Runs the CPU-heavy request work of the data and model threads' tasks off the event loop. */
export interface ThreadPool {
  run<K extends keyof Tasks>(task: K, input: Tasks[K]['input'], opts?: { timeoutMs?: number; transfer?: ArrayBuffer[] }): Promise<Tasks[K]['output']>;
  /** Starts the threads and loads their modules now, so the first request does not wait for it. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export interface ThreadPoolOptions {
  /** Threads per kind (data, model); 0 runs every task on the calling thread (blocking its loop). */
  threads?: number;
  /** Tasks that may wait for a thread, per kind; more are answered 503 at once. */
  maxQueue?: number;
  /** Longest one task may take before its thread is stopped and the request answered 503. */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** The thread entry module per kind (a file URL or path); default ./{data,model}-tasks. Tests point it elsewhere. */
  modules?: Partial<Record<'data' | 'model', string>>;
}

/** Which thread kind runs a task: dataset parsing needs no tfjs, so its threads never load it. */
const KIND: Record<keyof Tasks, 'data' | 'model'> = {
  parseCsv: 'data',
  parseJsonDataset: 'data',
  parsePredictBody: 'data',
  parseModelImport: 'data',
  checkSpec: 'model',
  loadModel: 'model',
  predict: 'model',
  exportOnnx: 'model',
};

const DEFAULTS = { maxQueue: 32, timeoutMs: 120_000 };

/** Default thread count per kind: leave a core to the event loop; at least 1, at most 4. */
export const defaultThreads = () => Math.max(1, Math.min(4, os.availableParallelism() - 1));

/**
 * The task modules as this process runs them: `.ts` under tsx or vitest (threads then load tsx
 * themselves), `.js` from a compiled build.
 */
function taskModule(name: string): { filename: string; execArgv: string[] } {
  const compiled = import.meta.url.endsWith('.js');
  const filename = new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url).href;
  if (compiled) return { filename, execArgv: [] };
  const viaTsx = process.execArgv.some((a) => a.includes('tsx'));
  return { filename, execArgv: viaTsx ? process.execArgv : ['--import', 'tsx'] };
}

/**
 * Running in this thread: the fallback when threads are off or cannot start (blocks the loop).
 * It counts against the same bound as the threads' tasks; the time limit cannot apply, since
 * a task here runs to its end once started (nothing can stop synchronous work on the loop).
 */
async function runInline(kind: 'data' | 'model', msg: { task: string; input: unknown }): Promise<TaskResult<unknown>> {
  const mod = kind === 'data' ? await import('./data-tasks.js') : await import('./model-tasks.js');
  return unmoved(await mod.default(msg as never));
}

/** A result a thread marked to be moved, not copied (Piscina.move), as the value it carries. */
function unmoved<T>(value: T): T {
  const moved = value as { [key: symbol]: unknown } | null;
  return moved !== null && typeof moved === 'object' && Piscina.valueSymbol in moved ? (moved[Piscina.valueSymbol] as T) : value;
}

/**
 * A thread that could not load its module, as opposed to a task that failed: the loader's
 * codes, and piscina's message for a module without a handler. Nothing broader: a task's own
 * TypeError ("x is not a function") is a bug to answer 500, not a reason to run inline.
 */
export function isStartFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ERR_UNKNOWN_FILE_EXTENSION') return true;
  return /^(No handler function exported from |Cannot find module )/.test(e?.message ?? '');
}

/**
 * Two worker-thread pools (piscina) for the API, one per kind of work: `data` threads parse
 * dataset bodies (csv-parse and ajv only, quick to start), `model` threads build tfjs models
 * and predict with stored ones (keeping those they loaded).
 * Bounded: a task waits in a queue of at most `maxQueue`, then runs at most `timeoutMs`; past
 * either the request is a 503 (with Retry-After) and a runaway task's thread is terminated.
 * If a kind's threads cannot start at all (a broken install, a build without the task
 * modules), its tasks run on the calling thread instead, logged once: slower for everyone, but
 * requests are still answered.
 */
export function createThreadPool(opts: ThreadPoolOptions = {}): ThreadPool {
  const threads = opts.threads ?? defaultThreads();
  const maxQueue = opts.maxQueue ?? DEFAULTS.maxQueue;
  const defaultTimeout = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const log = opts.log ?? ((m: string) => console.warn(m));
  const pools: Partial<Record<'data' | 'model', Piscina>> = {};
  const broken = new Set<'data' | 'model'>();
  /** Kinds whose threads have answered a task: only these are sent memory to move (see send). */
  const working = new Set<'data' | 'model'>();
  /** Tasks running or waiting, per kind (threads or inline). */
  const inFlight = { data: 0, model: 0 };
  const make = (kind: 'data' | 'model') => {
    const { filename, execArgv } = taskModule(kind === 'data' ? 'data-tasks' : 'model-tasks');
    // Threads stay up (minThreads) once started: a model thread's start costs seconds (tfjs).
    // The queue bound is kept here (`inFlight`), not by piscina's maxQueue, which let more wait.
    // Model threads keep their event loop running between tasks (atomics 'async'; piscina's
    // default pauses an idle thread): a deleted model's "forget" reaches their caches at once
    // (`tellModelCaches`), not only when the next task comes.
    const pool = new Piscina({
      filename: opts.modules?.[kind] ?? filename,
      execArgv,
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 60_000,
      ...(kind === 'model' && { atomics: 'async' as const }),
    });
    // A thread that fails with no task on it (one started ahead of need that cannot load its
    // module) is an 'error' event; unheard, it would end the whole process.
    pool.on('error', (err: unknown) =>
      isStartFailure(err) ? giveUpThreads(kind, err) : log(`thread pool: a ${kind} thread failed: ${(err as Error)?.message}`),
    );
    return pool;
  };
  const poolFor = (kind: 'data' | 'model') => (pools[kind] ??= make(kind));
  /** Past this many tasks running or waiting (per kind), a request is refused at once; inline too. */
  const bound = Math.max(1, threads) + maxQueue;

  /** Stops using a kind's threads for good (they cannot start), logged once. */
  const giveUpThreads = (kind: 'data' | 'model', err: unknown) => {
    if (broken.has(kind)) return;
    broken.add(kind);
    log(`thread pool: ${kind} threads cannot start (${(err as Error).message}); running their tasks on the event loop`);
    void pools[kind]?.destroy().catch(() => {});
    delete pools[kind];
  };

  async function send(
    kind: 'data' | 'model',
    msg: { task: string; input: unknown },
    timeoutMs: number,
    transfer?: ArrayBuffer[],
  ): Promise<TaskResult<unknown>> {
    if (inFlight[kind] >= bound) throw busy(`the server is busy with ${inFlight[kind]} large requests in progress; try again shortly`);
    inFlight[kind] += 1;
    try {
      if (threads === 0 || broken.has(kind)) return await runInline(kind, msg);
      try {
        // Moved memory is gone from this thread once posted: a thread that then cannot load its
        // module would leave the inline fallback empty buffers. So until a kind's threads have
        // answered once (warm() pings them at start), its tasks' buffers are copied instead.
        const transferList = working.has(kind) ? transfer : undefined;
        const result = await poolFor(kind).run(msg, { signal: AbortSignal.timeout(timeoutMs), transferList: transferList as never });
        working.add(kind);
        return result;
      } catch (err) {
        const e = err as Error;
        if (e.name === 'AbortError' || e.name === 'TimeoutError') {
          throw busy(`the request took longer than ${Math.round(timeoutMs / 1000)} s to process and was stopped; send less at once`);
        }
        // Every task of a kind whose threads cannot start runs inline: the one that found out,
        // and those that were waiting on the same threads (their pool was destroyed under them).
        if (isStartFailure(err) || broken.has(kind)) {
          giveUpThreads(kind, err);
          return await runInline(kind, msg);
        }
        throw err;
      }
    } finally {
      inFlight[kind] -= 1;
    }
  }

  return {
    async run(task, input, { timeoutMs = defaultTimeout, transfer } = {}) {
      return unwrap(await send(KIND[task], { task, input }, timeoutMs, transfer)) as never;
    },
    async warm() {
      if (threads === 0) return;
      // One ping per kind starts a thread and loads its modules; the rest start as load comes.
      await Promise.all((['data', 'model'] as const).map((kind) => send(kind, { task: 'ping', input: null }, 5 * 60_000).catch(() => {})));
    },
    async close() {
      await Promise.all(Object.values(pools).map((p) => p.destroy()));
    },
  };
}

/** The pool's 503; the error handler adds Retry-After to every 503. */
const busy = (message: string) => new ServiceError('busy', message);
