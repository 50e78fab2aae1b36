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

/** Training processes kept loaded ahead of the jobs; see {@link keepWarm}. */
export interface WarmChildren {
  /** Resolves once `size` processes have loaded the processor (or a load failed, or none will be kept). */
  ready(): Promise<void>;
  /** Loaded processes holding no job. */
  idleCount(): number;
  /** Stops replacing processes and kills those that no job holds, idle or still loading: they have nothing to hand back. */
  stop(): Promise<void>;
}

/** A load that fails again and again (a processor that cannot start) is retried at most this often. */
const MAX_RETRY_MS = 60_000;

/**
 * Keeps `size` training processes of `worker` forked and loaded before any job needs one (one per
 * concurrency slot), and forks a replacement as soon as one exits: a job is handed an idle one,
 * or the one still loading (not a second fork competing with it for the CPU).
 *
 * Through the worker's child pool, whose `retain` forks a process and loads the processor and
 * whose `release` takes it back after a job: a loaded process holding no job stays retained in
 * BullMQ's pool, so the worker's own close still ends it.
 */
export function keepWarm(worker: TrainWorker, file: string, size: number, log?: (msg: string) => void): WarmChildren {
  const pool = (worker as unknown as { childPool?: Partial<ChildPool> }).childPool;
  if (typeof pool?.retain !== 'function' || typeof pool.release !== 'function' || typeof Child.prototype.init !== 'function') {
    return { ready: async () => {}, idleCount: () => 0, stop: async () => {} };
  }
  forkedChildren();
  const retain = pool.retain.bind(pool) as ChildPool['retain'];
  const release = pool.release.bind(pool) as ChildPool['release'];

  interface Loading {
    claimed: boolean;
    /** The process, once forked (seen inside BullMQ's `retain`). */
    child?: Child;
    loaded: Promise<Child>;
  }
  const idle: Child[] = [];
  const loading: Loading[] = [];
  const busy = new Set<Child>();
  const watched = new WeakSet<Child>();
  let stopped = false;
  // Jobs in `retain` that have not been handed a process yet.
  let waiting = 0;
  // Processes lost without serving a job (a load that failed, an idle one that died): each one
  // in a row doubles the wait before the next replacement.
  let lost = 0;
  let retry: NodeJS.Timeout | undefined;

  const alive = (child: Child) => child.exitCode === null && child.signalCode === null;
  const drop = <T>(list: T[], item: T) => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
    return i >= 0;
  };

  function watch(child: Child) {
    if (watched.has(child)) return;
    watched.add(child);
    child.once('exit', () => {
      if (drop(idle, child)) lost++;
      busy.delete(child);
      topUp();
    });
  }

  /**
   * BullMQ's `retain` of a new process, given up as failed if that process exits before it has
   * loaded: BullMQ drops its own listeners when a process exits, before the 'close' event its load
   * waits for, so a process killed while loading would leave `retain` pending for good (and a job
   * waiting on it stuck). The process is seen as it is forked, inside `retain`.
   */
  function fork(): { child?: Child; loaded: Promise<Child> } {
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

  function load(): Loading {
    const entry: Loading = { claimed: false, ...fork() };
    loading.push(entry);
    entry.loaded.then(
      (child) => {
        drop(loading, entry);
        watch(child);
        if (entry.claimed) busy.add(child);
        else if (stopped) void child.kill('SIGKILL').catch(() => {});
        else idle.push(child);
      },
      (err: Error) => {
        drop(loading, entry);
        lost++;
        if (!stopped) log?.(`a training process did not load (${err.message}); another is started ${lost > 1 ? 'after a pause' : 'now'}`);
        topUp();
      },
    );
    return entry;
  }

  function handOut(child: Child): Child {
    watch(child);
    busy.add(child);
    lost = 0;
    topUp();
    return child;
  }

  function topUp() {
    if (stopped || retry) return;
    const wait = lost > 1 ? Math.min(MAX_RETRY_MS, 1_000 * 2 ** (lost - 2)) : 0;
    if (wait) {
      retry = setTimeout(() => ((retry = undefined), topUp()), wait);
      retry.unref();
      return;
    }
    // A job waiting for a process counts once, whether it claimed one loading or forks its own.
    while (idle.length + busy.size + loading.filter((l) => !l.claimed).length + waiting < size) load();
  }

  pool.retain = async (wanted: string) => {
    if (wanted !== file) return retain(wanted);
    if (stopped) return fork().loaded;
    let child = idle.pop();
    if (child && alive(child)) return handOut(child);
    waiting++;
    try {
      const entry = loading.find((l) => !l.claimed);
      if (entry) {
        entry.claimed = true;
        child = await entry.loaded.catch(() => undefined);
      }
      // None kept (or the one loading failed): a fresh fork, as BullMQ does by itself.
      if (!child || !alive(child)) child = await fork().loaded;
    } finally {
      waiting--;
    }
    return handOut(child);
  };
  pool.release = (child: Child) => {
    busy.delete(child);
    if (stopped || !alive(child) || child.processFile !== file) return release(child);
    // Still retained in BullMQ's pool, which only hands out what it holds as free: this keeps it.
    idle.push(child);
  };

  topUp();
  const firstLoads = Promise.allSettled(loading.map((l) => l.loaded)).then(() => {});
  return {
    ready: () => firstLoads,
    idleCount: () => idle.length,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const unused = [...idle.splice(0), ...loading.filter((l) => !l.claimed).flatMap((l) => (l.child ? [l.child] : []))];
      await Promise.all(unused.map((child) => child.kill('SIGKILL').catch(() => {})));
    },
  };
}
