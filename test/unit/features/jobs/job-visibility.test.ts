import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../../src/core/principal.js';
import { assertJobVisible } from '../../../../src/features/jobs/jobs.js';
import type { Db } from '../../../../src/infra/db/prisma.js';

const JOB = '7b0c5f0e-0000-4000-8000-000000000001';
const tenant = (tenantId: string): Principal => ({ tenantId, role: 'member', keyId: `key-${tenantId}` });

/** A client whose run lookups are counted and held until released; `owner` owns JOB. */
function fakeDb(owner: string) {
  const where: Array<Record<string, unknown>> = [];
  const waiting: Array<() => void> = [];
  const db = {
    run: {
      findFirst: (args: { where: { id: string; tenantId?: string } }) => {
        where.push(args.where);
        return new Promise((resolve) => waiting.push(() => resolve(args.where.id === JOB && (args.where.tenantId ?? owner) === owner ? { id: JOB } : null)));
      },
    },
  } as unknown as Db;
  return { db, where, release: () => waiting.splice(0).forEach((go) => go()) };
}

describe('assertJobVisible: checks of one job made together share one read', () => {
  it('500 checks by one tenant at once make one read, and all pass', async () => {
    const { db, where, release } = fakeDb('a');
    const checks = Array.from({ length: 500 }, () => assertJobVisible(db, tenant('a'), JOB));
    expect(where).toHaveLength(1);
    release();
    await Promise.all(checks);
  });

  it("another tenant's check is its own read, and is refused (404)", async () => {
    const { db, where, release } = fakeDb('a');
    const mine = assertJobVisible(db, tenant('a'), JOB);
    const theirs = assertJobVisible(db, tenant('b'), JOB);
    expect(where.map((w) => w.tenantId)).toEqual(['a', 'b']);
    release();
    await mine;
    await expect(theirs).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a check after the read settled reads again (nothing is cached)', async () => {
    const { db, where, release } = fakeDb('a');
    const first = assertJobVisible(db, tenant('a'), JOB);
    release();
    await first;
    const second = assertJobVisible(db, tenant('a'), JOB);
    expect(where).toHaveLength(2);
    release();
    await second;
  });
});
