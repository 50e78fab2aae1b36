import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepStudy } from '../../src/features/studies/study-driver.js';
import { startHarness, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';

/**
 * Studies belong to a tenant: another tenant can neither see nor cancel one, and a study's
 * trial jobs belong to the study's tenant and wait their fair turn in the queue. No worker: the
 * test takes the controller's steps itself (stepStudy is what the study queue's worker runs).
 */
let h: Harness;
let a: TenantKeys;
let b: TenantKeys;
let studyId = '';
let dataset = '';

const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  h.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

beforeAll(async () => {
  h = await startHarness();
  const admin = await bootstrapAdmin(h);
  a = await makeTenant(h, admin, 'alpha');
  b = await makeTenant(h, admin, 'beta');
  dataset = (await as(a.member, 'POST', '/datasets', tinyDatasetBody('alpha-data'))).json().id;
  // A job of A's queued first, so the trials' fair rounds come after it.
  expect((await as(a.member, 'POST', '/jobs', tinyJobSpec(dataset))).statusCode).toBe(201);
  const created = await as(a.member, 'POST', '/studies', {
    base: tinyJobSpec(dataset),
    parameters: { '/fit/seed': [1, 2, 3] },
    method: 'grid',
    maxConcurrent: 2,
  });
  expect(created.statusCode, created.body).toBe(201);
  studyId = created.json().id;
  expect(await stepStudy(h, studyId)).toBe('continue');
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('studies are scoped by tenant', () => {
  it("the trial jobs belong to the study's tenant and are queued with its fair-scheduling priority", async () => {
    const runs = await h.db.run.findMany({ where: { studyId }, orderBy: { trialIndex: 'asc' } });
    expect(runs.map((r) => r.trialIndex)).toEqual([0, 1]);
    const plain = await h.db.run.findFirstOrThrow({ where: { studyId: null } });
    for (const run of runs) {
      expect(run.tenantId).toBe(a.tenantId);
      // Rounds after the tenant's own queued job, one each: a trial never jumps the queue.
      expect(run.fairTag).toBeGreaterThan(plain.fairTag!);
      const job = await h.queue.getJob(run.id);
      expect(job?.opts.priority, 'a trial queued without a priority would go before every prioritized job').toBe(2 * run.fairTag!);
    }
    expect(new Set(runs.map((r) => r.fairTag)).size).toBe(2);
    // A's own listing shows them with the study; A's study lists them.
    const jobs = (await as(a.viewer, 'GET', `/jobs?studyId=${studyId}`)).json().items;
    expect(jobs.map((j: { id: string }) => j.id).sort()).toEqual(runs.map((r) => r.id).sort());
  });

  it('another tenant gets 404 for the study, cannot cancel it, and sees none of it or its trials in any listing', async () => {
    expect((await as(b.member, 'GET', `/studies/${studyId}`)).statusCode).toBe(404);
    const cancel = await as(b.member, 'POST', `/studies/${studyId}/cancel`);
    expect(cancel.statusCode).toBe(404);
    expect((await h.db.study.findUniqueOrThrow({ where: { id: studyId } })).status).toBe('running');
    expect(await h.db.run.count({ where: { studyId, status: 'cancelled' } })).toBe(0);

    const trialIds = (await h.db.run.findMany({ where: { studyId }, select: { id: true } })).map((r) => r.id);
    for (const url of ['/studies', `/jobs?studyId=${studyId}`, '/jobs', '/jobs?status=queued']) {
      const res = await as(b.member, 'GET', url);
      expect(res.statusCode).toBe(200);
      for (const id of [studyId, ...trialIds]) expect(res.body.includes(id), `GET ${url} shows tenant A's ${id}`).toBe(false);
    }
    for (const id of trialIds) expect((await as(b.member, 'GET', `/jobs/${id}`)).statusCode).toBe(404);
    expect((await as(a.viewer, 'GET', '/studies')).json().items.map((s: { id: string }) => s.id)).toEqual([studyId]);
  });

  it('the owner cancels it: every open trial ends cancelled, and the controller launches no more', async () => {
    const cancel = await as(a.member, 'POST', `/studies/${studyId}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(202);
    expect(cancel.json()).toMatchObject({ id: studyId, status: 'cancelled', cancelledTrials: 2 });
    expect(await stepStudy(h, studyId)).toBe('ended');
    const runs = await h.db.run.findMany({ where: { studyId } });
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.status === 'cancelled' && r.tenantId === a.tenantId)).toBe(true);
    const study = (await as(a.viewer, 'GET', `/studies/${studyId}`)).json();
    expect(study.status).toBe('cancelled');
    expect(study.trials.map((t: { status: string }) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('cancelling a study that has ended is a 409, as for a job, and changes nothing', async () => {
    const again = await as(a.member, 'POST', `/studies/${studyId}/cancel`);
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toEqual({
      error: 'conflict',
      message: `study ${studyId} has already ended (cancelled); only a running study can be cancelled`,
      details: [],
    });
    // The same answer as a job's: the plain job of A, cancelled twice.
    const job = await h.db.run.findFirstOrThrow({ where: { studyId: null, tenantId: a.tenantId } });
    expect((await as(a.member, 'POST', `/jobs/${job.id}/cancel`)).statusCode).toBe(202);
    const jobAgain = await as(a.member, 'POST', `/jobs/${job.id}/cancel`);
    expect(jobAgain.statusCode).toBe(409);
    expect(Object.keys(jobAgain.json()).sort()).toEqual(Object.keys(again.json()).sort());
    expect(jobAgain.json()).toMatchObject({ error: 'conflict', details: [] });
    const audited = await h.db.auditEvent.count({ where: { action: 'cancel', resource: 'study', resourceId: studyId } });
    expect(audited, 'a refused cancel is not audited').toBe(1);
  });

  it("a pointer into a prototype is a 400 naming the parameter, and every tenant's next request still answers", async () => {
    for (const pointer of ['/__proto__/polluted', '/constructor/prototype/polluted', '/model/__proto__']) {
      const res = await as(a.member, 'POST', '/studies', { base: tinyJobSpec(dataset), parameters: { [pointer]: ['yes'] }, method: 'grid' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(`/parameters/${pointer.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await as(b.member, 'GET', '/studies')).statusCode).toBe(200);
    expect((await as(a.viewer, 'GET', `/studies/${studyId}`)).statusCode).toBe(200);
  });
});
