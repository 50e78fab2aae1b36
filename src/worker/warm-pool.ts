/**
 * The policy of keeping training processes loaded ahead of the jobs (see keepWarm in
 * bullmq-sandbox.ts, which puts it in place of the worker's child pool): `size` processes are
 * kept forked and loaded, a replacement is forked as soon as one exits, and a job is handed an
 * idle one, or the one still loading (not a second fork competing with it for the CPU).
 */
import type { Child } from 'bullmq';

/** Training processes kept loaded ahead of the jobs. */
export interface WarmChildren {
  /** Resolves once `size` processes have loaded the processor (or a load failed, or none will be kept). */
  ready(): Promise<void>;
  /** Loaded processes holding no job. */
  idleCount(): number;
  /** Stops replacing processes and kills those that no job holds, idle or still loading: they have nothing to hand back. */
  stop(): Promise<void>;
}

/** A fork of the processor: the process (when it could be seen being forked) and its load. */
export type Fork = () => { child?: Child; loaded: Promise<Child> };

export interface WarmPoolOptions {
  /** The processor file the pool keeps processes of. */
  file: string;
  size: number;
  fork: Fork;
  /** The child pool's own retain and release, for other files and for processes this pool does not keep. */
  retain(file: string): Promise<Child>;
  release(child: Child): void;
  log?: (msg: string) => void;
}

interface Loading {
  claimed: boolean;
  child?: Child;
  loaded: Promise<Child>;
}

/** A load that fails again and again (a processor that cannot start) is retried at most this often. */
const MAX_RETRY_MS = 60_000;

const alive = (child: Child) => child.exitCode === null && child.signalCode === null;

function drop<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

export class WarmPool implements WarmChildren {
  private readonly idle: Child[] = [];
  private readonly loading: Loading[] = [];
  private readonly busy = new Set<Child>();
  private readonly watched = new WeakSet<Child>();
  private stopped = false;
  /** Jobs in `retain` that have not been handed a process yet. */
  private waiting = 0;
  /** Processes lost without serving a job (a load that failed, an idle one that died): each one in a row doubles the wait before the next replacement. */
  private lost = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly firstLoads: Promise<void>;

  constructor(private readonly opts: WarmPoolOptions) {
    this.topUp();
    this.firstLoads = Promise.allSettled(this.loading.map((l) => l.loaded)).then(() => {});
  }

  ready(): Promise<void> {
    return this.firstLoads;
  }

  idleCount(): number {
    return this.idle.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const unused = [...this.idle.splice(0), ...this.loading.filter((l) => !l.claimed).flatMap((l) => (l.child ? [l.child] : []))];
    await Promise.all(unused.map((child) => child.kill('SIGKILL').catch(() => {})));
  }

  /** In place of the child pool's `retain`: a process for a job. */
  async retain(wanted: string): Promise<Child> {
    if (wanted !== this.opts.file) return this.opts.retain(wanted);
    if (this.stopped) return this.opts.fork().loaded;
    let child = this.idle.pop();
    if (child && alive(child)) return this.handOut(child);
    this.waiting++;
    try {
      const entry = this.loading.find((l) => !l.claimed);
      if (entry) {
        entry.claimed = true;
        child = await entry.loaded.catch(() => undefined);
      }
      // None kept (or the one loading failed): a fresh fork, as BullMQ does by itself.
      if (!child || !alive(child)) child = await this.opts.fork().loaded;
    } finally {
      this.waiting--;
    }
    return this.handOut(child);
  }

  /** In place of the child pool's `release`: a process back after a job. */
  release(child: Child): void {
    this.busy.delete(child);
    if (this.stopped || !alive(child) || child.processFile !== this.opts.file) return this.opts.release(child);
    // Still retained in BullMQ's pool, which only hands out what it holds as free: this keeps it.
    this.idle.push(child);
  }

  private watch(child: Child): void {
    if (this.watched.has(child)) return;
    this.watched.add(child);
    child.once('exit', () => {
      if (drop(this.idle, child)) this.lost++;
      this.busy.delete(child);
      this.topUp();
    });
  }

  private load(): void {
    const entry: Loading = { claimed: false, ...this.opts.fork() };
    this.loading.push(entry);
    entry.loaded.then(
      (child) => {
        drop(this.loading, entry);
        this.watch(child);
        if (entry.claimed) this.busy.add(child);
        else if (this.stopped) void child.kill('SIGKILL').catch(() => {});
        else this.idle.push(child);
      },
      (err: Error) => {
        drop(this.loading, entry);
        this.lost++;
        if (!this.stopped) this.opts.log?.(`a training process did not load (${err.message}); another is started ${this.lost > 1 ? 'after a pause' : 'now'}`);
        this.topUp();
      },
    );
  }

  private handOut(child: Child): Child {
    this.watch(child);
    this.busy.add(child);
    this.lost = 0;
    this.topUp();
    return child;
  }

  private topUp(): void {
    if (this.stopped || this.retryTimer) return;
    const wait = this.lost > 1 ? Math.min(MAX_RETRY_MS, 1_000 * 2 ** (this.lost - 2)) : 0;
    if (wait) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.topUp();
      }, wait);
      this.retryTimer.unref();
      return;
    }
    // A job waiting for a process counts once, whether it claimed one loading or forks its own.
    const unclaimed = this.loading.filter((l) => !l.claimed).length;
    for (let kept = this.idle.length + this.busy.size + unclaimed + this.waiting; kept < this.opts.size; kept++) this.load();
  }
}
