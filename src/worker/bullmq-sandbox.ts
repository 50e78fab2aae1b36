/**
 * The one place that reaches into BullMQ's sandbox internals: its undocumented Child class, the
 * Worker's child pool and its lock manager (protected members). Why: BullMQ forks a sandboxed
 * processor only when a job arrives, and loading ours (TypeScript, TensorFlow.js, its backend)
 * takes seconds, so a first job would wait that long in `queued`; it lists a process only once
 * that load is done, so a stop in that window would not find it; and it says nothing public about
 * how many jobs a worker still holds. Each function checks that what it uses is there: with a
 * BullMQ that changed it, it does nothing (jobs then fork their process when they arrive, as
 * BullMQ does by itself).
 */
import { Child } from 'bullmq';
import type { TrainWorker } from '../infra/queue/train-queue.js';
import { WarmPool, type WarmChildren } from './warm-pool.js';

const forked = new Set<Child>();
let onFork: ((child: Child) => void) | undefined;
const TRACKED = Symbol('tracked');

/**
 * Every sandboxed process forked in this process that has not exited, from the moment of its fork.
 * Wraps Child's `init` (once per process): without it, the set stays empty.
 */
export function forkedChildren(): ReadonlySet<Child> {
  const proto = Child.prototype as Child & { [TRACKED]?: true };
  if (typeof proto.init === 'function' && !proto[TRACKED]) {
    const init = proto.init;
    proto[TRACKED] = true;
    proto.init = function (this: Child) {
      forked.add(this);
      this.once('exit', () => forked.delete(this));
      onFork?.(this);
      return init.call(this);
    };
  }
  return forked;
}

/** How many jobs `worker` holds (renews locks for), or undefined when BullMQ does not say. */
export function activeJobCount(worker: TrainWorker): number | undefined {
  return (worker as unknown as { lockManager?: { getActiveJobCount?(): number } }).lockManager?.getActiveJobCount?.();
}

interface ChildPool {
  retain(file: string): Promise<Child>;
  release(child: Child): void;
}

/**
 * Keeps `size` training processes of `worker` forked and loaded before any job needs one (one per
 * concurrency slot): a {@link WarmPool} in place of the worker's child pool's `retain` and
 * `release`. That pool's `retain` forks a process and loads the processor, and its `release` takes
 * it back after a job: a loaded process holding no job stays retained in BullMQ's pool, so the
 * worker's own close still ends it.
 */
export function keepWarm(worker: TrainWorker, file: string, size: number, log?: (msg: string) => void): WarmChildren {
  const pool = (worker as unknown as { childPool?: Partial<ChildPool> }).childPool;
  if (typeof pool?.retain !== 'function' || typeof pool.release !== 'function' || typeof Child.prototype.init !== 'function') {
    return { ready: async () => {}, idleCount: () => 0, stop: async () => {} };
  }
  forkedChildren();
  const retain = pool.retain.bind(pool) as ChildPool['retain'];
  const release = pool.release.bind(pool) as ChildPool['release'];
  const warm = new WarmPool({ file, size, fork: () => forkWatched(retain, file), retain, release, log });
  pool.retain = (wanted: string) => warm.retain(wanted);
  pool.release = (child: Child) => warm.release(child);
  return warm;
}

/**
 * BullMQ's `retain` of a new process, given up as failed if that process exits before it has
 * loaded: BullMQ drops its own listeners when a process exits, before the 'close' event its load
 * waits for, so a process killed while loading would leave `retain` pending for good (and a job
 * waiting on it stuck). The process is seen as it is forked, inside `retain`.
 */
function forkWatched(retain: ChildPool['retain'], file: string): { child?: Child; loaded: Promise<Child> } {
  let child: Child | undefined;
  onFork = (forkedChild) => (child ??= forkedChild);
  let loaded: Promise<Child>;
  try {
    loaded = retain(file);
  } finally {
    onFork = undefined;
  }
  const seen = child as Child | undefined;
  if (!seen) return { loaded };
  const died = new Promise<never>((_, reject) =>
    seen.once('exit', (code: number | null, signal: string | null) =>
      reject(new Error(`the training process exited while loading (code ${code}, signal ${signal})`)),
    ),
  );
  return { child: seen, loaded: Promise.race([loaded, died]) };
}
