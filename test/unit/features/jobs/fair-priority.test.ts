import { describe, expect, it } from 'vitest';
import { MAX_PRIORITY, nextFairTag, type FairState } from '../../../../src/features/jobs/fair-priority.js';

/**
 * A simulated single worker over BullMQ's ordering (lowest priority first, FIFO among equals):
 * which tenant's jobs start in which order, with tags assigned as the service assigns them.
 */
class Sim {
  private seq = 0;
  queued: Array<{ tenant: string; tag: number; priority: number; seq: number }> = [];
  running: { tenant: string; tag: number } | null = null;
  started: string[] = [];

  submit(tenant: string): void {
    const state: FairState = {
      runningMaxTag: this.running?.tag ?? null,
      queuedMinTag: this.queued.length ? Math.min(...this.queued.map((q) => q.tag)) : null,
      tenantQueuedMaxTag: this.queued.some((q) => q.tenant === tenant) ? Math.max(...this.queued.filter((q) => q.tenant === tenant).map((q) => q.tag)) : null,
    };
    const { tag, priority } = nextFairTag(state);
    this.queued.push({ tenant, tag, priority, seq: this.seq++ });
  }

  /** The running job ends and the worker takes the next one. */
  next(): string | null {
    this.queued.sort((x, y) => x.priority - y.priority || x.seq - y.seq);
    const job = this.queued.shift();
    this.running = job ? { tenant: job.tenant, tag: job.tag } : null;
    if (job) this.started.push(job.tenant);
    return job?.tenant ?? null;
  }
}

describe('fair priorities', () => {
  it("B's single job starts right after the job running when it arrives, ahead of A's 19 others", () => {
    const sim = new Sim();
    for (let i = 0; i < 20; i++) sim.submit('A');
    expect(sim.next()).toBe('A');
    sim.submit('B');
    expect(sim.next()).toBe('B');
  });

  it('even before any job runs, a newcomer goes second', () => {
    const sim = new Sim();
    for (let i = 0; i < 20; i++) sim.submit('A');
    sim.submit('B');
    expect([sim.next(), sim.next()]).toEqual(['A', 'B']);
  });

  it('backlogs interleave round-robin, FIFO within a tenant', () => {
    const sim = new Sim();
    for (let i = 0; i < 6; i++) sim.submit('A');
    for (let i = 0; i < 3; i++) sim.submit('B');
    for (let i = 0; i < 2; i++) sim.submit('C');
    while (sim.next());
    expect(sim.started.join('')).toBe('ABCABCABAAA');
  });

  it('a tenant that resubmits as soon as its job ends does not starve a backlog', () => {
    const sim = new Sim();
    for (let i = 0; i < 10; i++) sim.submit('A');
    sim.next();
    for (let i = 0; i < 10; i++) {
      sim.submit('B');
      sim.next();
    }
    const counts = sim.started.reduce<Record<string, number>>((c, t) => ({ ...c, [t]: (c[t] ?? 0) + 1 }), {});
    expect(counts.A).toBeGreaterThanOrEqual(5);
    expect(counts.B).toBeGreaterThanOrEqual(5);
  });

  it('priorities are never 0 (no priority jumps them all) and never beyond BullMQ maximum', () => {
    expect(nextFairTag({ runningMaxTag: null, queuedMinTag: null, tenantQueuedMaxTag: null }).priority).toBe(1);
    expect(nextFairTag({ runningMaxTag: 5_000_000, queuedMinTag: 1, tenantQueuedMaxTag: 5_000_000 }).priority).toBeLessThanOrEqual(MAX_PRIORITY);
  });
});
