import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_PRINCIPAL } from '../../src/core/principal.js';
import { UNIQUE_VIOLATION, createFairRun } from '../../src/features/jobs/record-run.js';
import { smallFashionJob, startHarness, type Harness } from '../support/harness.js';

describe('POST /jobs at once from one tenant (recorded in batches under the tenant lock)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { QUOTA_QUEUED_JOBS: '5' } });
  });
  afterAll(async () => h?.close());

  it('holds the queued-jobs quota exactly, gives each run its own round, and audits each creation', async () => {
    await h.queue.pause();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ name: `at-once-${i}` }) })),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([...Array(5).fill(201), ...Array(7).fill(403)]);
    for (const a of answers.filter((x) => x.statusCode === 403))
      expect(a.json()).toMatchObject({ error: 'quota_exceeded', quota: 'QUOTA_QUEUED_JOBS', limit: 5, use: 5 });

    const ids = answers.filter((a) => a.statusCode === 201).map((a) => a.json().id as string);
    const runs = await h.db.run.findMany({ where: { id: { in: ids } }, orderBy: { fairTag: 'asc' } });
    expect(runs.map((r) => r.status)).toEqual(Array(5).fill('queued'));
    // One tenant alone: its runs take rounds 1..5, one after another.
    expect(runs.map((r) => r.fairTag)).toEqual([1, 2, 3, 4, 5]);
    // Each is on the queue at its round's priority (the first joins: 2 * 1 - 1).
    const priorities = await Promise.all(runs.map(async (r) => (await h.queue.getJob(r.id))?.opts.priority));
    expect(priorities).toEqual([1, 4, 6, 8, 10]);
    // createdAt is stored as UTC, as Prisma writes it.
    for (const r of runs) expect(Math.abs(r.createdAt.getTime() - Date.now())).toBeLessThan(60_000);

    const audit = await h.db.auditEvent.findMany({ where: { action: 'create', resource: 'job' } });
    expect(audit.map((e) => e.resourceId).sort()).toEqual([...ids].sort());
    expect(await h.db.run.count()).toBe(5);
  });

  it('a study trial launched twice fails alone; a submission recorded in the same batch is not affected', async () => {
    const tenantId = OPEN_PRINCIPAL.tenantId;
    const study = await h.db.study.create({
      data: { method: 'grid', metric: 'val_loss', mode: 'min', request: {}, plan: [], trialCount: 1, maxConcurrent: 1, tenantId },
    });
    const trial = { name: 'trial', spec: smallFashionJob(), warnings: [], studyId: study.id, trialIndex: 0, trialParameters: {} };
    await createFairRun(h.db, tenantId, trial);
    // Three at once: one transaction is in progress when the other two arrive, so they share the next.
    const [first, again, other] = await Promise.allSettled([
      createFairRun(h.db, tenantId, { name: 'first', spec: smallFashionJob(), warnings: [] }),
      createFairRun(h.db, tenantId, trial),
      createFairRun(h.db, tenantId, { name: 'other', spec: smallFashionJob(), warnings: [] }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(again.status === 'rejected' && (again.reason as { code?: string }).code).toBe(UNIQUE_VIOLATION);
    expect(other.status).toBe('fulfilled');
    expect(await h.db.run.count({ where: { studyId: study.id } })).toBe(1);
    expect(await h.db.run.count({ where: { name: 'other' } })).toBe(1);
  });

  it("a tenant at its storage quota (its own override) gets 403 for a job, read in the submission's one statement", async () => {
    const tenantId = OPEN_PRINCIPAL.tenantId;
    await h.db.dataset.create({ data: { name: 'big', samples: 1, featureShape: [4], classes: 0, features: new Uint8Array(16), sizeBytes: 2048, tenantId } });
    await h.db.tenant.update({ where: { id: tenantId }, data: { quotas: { queuedJobs: 0, storageMb: 0.001 } } });
    try {
      const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ name: 'over-storage' }) });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json()).toMatchObject({ error: 'quota_exceeded', quota: 'QUOTA_STORAGE_MB', limit: 0.001 });
      await h.db.tenant.update({ where: { id: tenantId }, data: { quotas: { queuedJobs: 0, storageMb: 1 } } });
      expect((await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ name: 'fits' }) })).statusCode).toBe(201);
    } finally {
      await h.db.tenant.update({ where: { id: tenantId }, data: { quotas: {} } });
    }
  });
});
