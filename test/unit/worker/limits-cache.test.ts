import { describe, expect, it } from 'vitest';
import type { QuotaLimits } from '../../../src/features/tenants/quotas.js';
import { cachedLimits } from '../../../src/worker/limits-cache.js';

/** A loader that counts its reads and answers what `limits` holds at the time (a clock the test moves). */
function setup(ttlMs = 5_000) {
  let clock = 0;
  const reads: string[] = [];
  const limits: Record<string, QuotaLimits> = { a: { queuedJobs: 0, runningJobs: 1, storageMb: 0 }, b: { queuedJobs: 0, runningJobs: 2, storageMb: 0 } };
  let fail = false;
  const limitsOf = cachedLimits(
    async (tenantId) => {
      reads.push(tenantId);
      if (fail) throw new Error('database down');
      return { ...limits[tenantId] };
    },
    ttlMs,
    () => clock,
  );
  return { limitsOf, reads, limits, advance: (ms: number) => (clock += ms), failNext: (f: boolean) => (fail = f) };
}

describe('cachedLimits (the worker reading tenant limits on each running-quota retry)', () => {
  it('reads a tenant once per TTL, however often it is asked, and each tenant on its own', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) {
      expect((await s.limitsOf('a')).runningJobs).toBe(1);
      s.advance(900);
    }
    expect((await s.limitsOf('b')).runningJobs).toBe(2);
    expect(s.reads).toEqual(['a', 'b']);
  });

  it('a changed limit (PATCH /admin/tenants/:id) is seen once the TTL has passed', async () => {
    const s = setup();
    expect((await s.limitsOf('a')).runningJobs).toBe(1);
    s.limits.a = { ...s.limits.a, runningJobs: 3 };
    s.advance(4_999);
    expect((await s.limitsOf('a')).runningJobs).toBe(1);
    s.advance(1);
    expect((await s.limitsOf('a')).runningJobs).toBe(3);
    expect(s.reads).toEqual(['a', 'a']);
  });

  it('concurrent asks share one read; a failed read is not kept', async () => {
    const s = setup();
    s.failNext(true);
    const both = await Promise.allSettled([s.limitsOf('a'), s.limitsOf('a')]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(s.reads).toEqual(['a']);
    s.failNext(false);
    expect((await s.limitsOf('a')).runningJobs).toBe(1);
    expect(s.reads).toEqual(['a', 'a']);
  });
});
