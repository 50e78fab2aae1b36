import { EventEmitter } from 'node:events';
import { Child } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { keepWarm } from '../../../src/worker/bullmq-sandbox.js';
import type { TrainWorker } from '../../../src/infra/queue/train-queue.js';

const FILE = 'file:///processor.ts';

// BullMQ's Child forks a process in `init`; here it forks nothing. keepWarm wraps this one, and the
// fake pool below calls it as BullMQ's pool does, so keepWarm sees each "fork".
Child.prototype.init = async function () {};

/** A sandboxed process as BullMQ's pool hands it out: it exits when killed or when the test says. */
class FakeChild extends EventEmitter {
  static next = 1;
  pid = FakeChild.next++;
  exitCode: number | null = null;
  signalCode: string | null = null;
  killedWith?: string;
  constructor(readonly processFile: string) {
    super();
  }
  exit(code = 0) {
    this.exitCode = code;
    this.emit('exit', code, null);
  }
  async kill(signal = 'SIGKILL') {
    this.killedWith = signal;
    this.signalCode = signal;
    this.emit('exit', null, signal);
  }
}

/**
 * A worker with a child pool like BullMQ's: `retain` forks (a FakeChild whose load the test ends,
 * or fails), `release` puts a process on the free list. Records what it was asked.
 */
function fakeWorker() {
  const loads: Array<{ child: FakeChild; done: () => void; fail: (err: Error) => void }> = [];
  const released: FakeChild[] = [];
  const pool = {
    async retain(file: string) {
      const child = new FakeChild(file);
      const loaded = new Promise<FakeChild>((resolve, reject) => loads.push({ child, done: () => resolve(child), fail: reject }));
      await Child.prototype.init.call(child as unknown as Child);
      return loaded;
    },
    release(child: FakeChild) {
      released.push(child);
    },
  };
  const worker = { childPool: pool } as unknown as TrainWorker;
  // What the sandbox calls, through whatever keepWarm put in the pool's place.
  const retain = () => (pool.retain as unknown as (file: string) => Promise<FakeChild>)(FILE);
  const release = (child: FakeChild) => (pool.release as (child: FakeChild) => void)(child);
  return { worker, loads, released, retain, release };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('keepWarm', () => {
  it('loads one process per slot before any job, and resolves ready once they have loaded', async () => {
    const { worker, loads } = fakeWorker();
    const warm = keepWarm(worker, FILE, 2);
    expect(loads).toHaveLength(2);
    let ready = false;
    void warm.ready().then(() => (ready = true));
    loads[0].done();
    await tick();
    expect(ready).toBe(false);
    loads[1].done();
    await tick();
    expect(ready).toBe(true);
    expect(warm.idleCount()).toBe(2);
  });

  it('hands a job the process still loading instead of forking a second one, and loads the next for the free slot', async () => {
    const { worker, loads, retain } = fakeWorker();
    keepWarm(worker, FILE, 1);
    const taken = retain();
    await tick();
    expect(loads).toHaveLength(1); // no second fork while the first loads
    loads[0].done();
    expect(await taken).toBe(loads[0].child);
    // The slot is busy: nothing more loads until the job hands its process back or it exits.
    expect(loads).toHaveLength(1);
  });

  it('keeps a process a job released, and hands it to the next job without a fork', async () => {
    const { worker, loads, released, retain, release } = fakeWorker();
    const warm = keepWarm(worker, FILE, 1);
    loads[0].done();
    await tick();
    const first = await retain();
    release(first);
    expect(released).toEqual([]); // still held, not on BullMQ's free list
    expect(warm.idleCount()).toBe(1);
    expect(await retain()).toBe(first);
    expect(loads).toHaveLength(1);
  });

  it('replaces a process that exits, idle or after a job', async () => {
    const { worker, loads, retain } = fakeWorker();
    keepWarm(worker, FILE, 1);
    loads[0].done();
    await tick();
    loads[0].child.exit(1); // died while idle
    expect(loads).toHaveLength(2);
    loads[1].done();
    const busy = await retain();
    expect(busy).toBe(loads[1].child);
    busy.exit(70); // ended itself after its job
    expect(loads).toHaveLength(3);
  });

  it('forks for a job when the process it waited for fails to load, without loading a spare beyond the slots', async () => {
    const { worker, loads, retain } = fakeWorker();
    keepWarm(worker, FILE, 1);
    const taken = retain();
    loads[0].fail(new Error('cannot load'));
    await tick();
    // The job's own fork; the failed load is not replaced by a second one beside it.
    expect(loads).toHaveLength(2);
    loads[1].done();
    expect(await taken).toBe(loads[1].child);
    await tick();
    expect(loads).toHaveLength(2);
  });

  it('gives up a load whose process exits (BullMQ would wait for it for good), and loads another', async () => {
    const { worker, loads, retain } = fakeWorker();
    keepWarm(worker, FILE, 1);
    const taken = retain();
    loads[0].child.exit(1); // its load never ends
    await tick();
    expect(loads).toHaveLength(2);
    loads[1].done();
    expect(await taken).toBe(loads[1].child);
  });

  it('waits before loading again after loads fail in a row', async () => {
    const { worker, loads } = fakeWorker();
    keepWarm(worker, FILE, 1);
    loads[0].fail(new Error('cannot load'));
    await tick();
    expect(loads).toHaveLength(2); // the first failure is retried at once
    loads[1].fail(new Error('cannot load'));
    await tick();
    expect(loads).toHaveLength(2); // the second waits
  });

  it('stop kills the processes no job holds, idle or loading, and replaces none; a job keeps its own', async () => {
    const { worker, loads, released, retain, release } = fakeWorker();
    const warm = keepWarm(worker, FILE, 3);
    loads[0].done();
    loads[1].done();
    await tick();
    const busy = await retain();
    const idle = loads.find((l) => l.child !== busy)!.child;
    await warm.stop();
    expect(idle.killedWith).toBe('SIGKILL');
    expect(loads[2].child.killedWith).toBe('SIGKILL'); // still loading
    expect(busy.killedWith).toBeUndefined(); // the hand-back's business
    expect(loads).toHaveLength(3);
    // After the stop, BullMQ gets its processes back as usual (its close ends them).
    release(busy);
    expect(released).toEqual([busy]);
  });

  it('does nothing on a worker without a child pool', async () => {
    const warm = keepWarm({} as TrainWorker, FILE, 1);
    await expect(warm.ready()).resolves.toBeUndefined();
    expect(warm.idleCount()).toBe(0);
  });
});
