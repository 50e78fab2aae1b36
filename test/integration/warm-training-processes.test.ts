import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';
import { isRunning, trainingProcesses } from '../support/processes.js';

// The queue backend does not matter here: Redis when the suite has it, else PostgreSQL.
const backend = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1];
const SLOTS = 2;

/**
 * A worker forks its training processes before any job arrives, one per concurrency slot, and
 * replaces one as soon as it exits: a job is handed a process that is already there. These fail
 * on code that forked a process only when a job came (or forked one ahead whatever the slots),
 * and on code that left a slot empty once its process died.
 */
describe(`training processes are started ahead of jobs (${backend.name} queue)`, () => {
  let h: Harness;
  let worker: ChildProcess;
  const seen = new Set<number>();

  beforeAll(async () => {
    h = await startHarness({ redisUrl: backend.redisUrl });
    worker = await h.startWorker({ WORKER_CONCURRENCY: String(SLOTS) });
  });
  afterAll(async () => {
    for (const pid of seen) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await h?.close();
  });

  /** The worker's training processes once there are `n` of them (no more), all recorded in `seen`. */
  async function waitForProcesses(n: number): Promise<number[]> {
    await waitUntil(async () => trainingProcesses(worker.pid!).filter(isRunning).length === n, 60_000);
    const pids = trainingProcesses(worker.pid!).filter(isRunning);
    pids.forEach((pid) => seen.add(pid));
    return pids;
  }

  let before: number[];

  it('one training process per slot exists before any job is submitted', async () => {
    before = await waitForProcesses(SLOTS);
    expect(before).toHaveLength(SLOTS);
    // No more than one per slot, even a while later.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(trainingProcesses(worker.pid!).filter(isRunning).sort()).toEqual([...before].sort());
  }, 90_000);

  it('a training process that dies before any job (loading or idle) is replaced', async () => {
    const [victim, survivor] = before;
    process.kill(victim, 'SIGKILL');
    await waitUntil(async () => !isRunning(victim), 10_000);
    const after = await waitForProcesses(SLOTS);
    expect(after).toContain(survivor);
    expect(after).not.toContain(victim);
    before = after;
  }, 90_000);

  it('a job runs in a process forked before it was submitted, which then waits for the next job', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ fit: { epochs: 1, batchSize: 32, seed: 7 } }) });
    expect(res.statusCode).toBe(201);
    const { id } = res.json();
    const job = await waitForJob(h, id);
    expect(job.status).toBe('succeeded');
    // The worker's own report of the job says which process trained it.
    const report = (await h.queue.getJob(id))?.returnvalue as { pid?: number } | undefined;
    expect(before).toContain(report?.pid);
    expect((await waitForProcesses(SLOTS)).sort()).toEqual([...before].sort());
  }, 120_000);

  it('the worker stops with exit 0, and no training process outlives it', async () => {
    const pids = trainingProcesses(worker.pid!);
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitUntil(async () => !pids.some(isRunning), 10_000).catch(() => {});
    expect(pids.filter(isRunning)).toEqual([]);
  }, 60_000);
});
