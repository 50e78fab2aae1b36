import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitUntil, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';

/** Fair scheduling with a real worker: tenant A's 20 queued jobs do not starve tenant B's one. */
describe('fair scheduling (postgres queue)', () => {
  let h: Harness;
  let a: TenantKeys;
  let b: TenantKeys;
  const datasets: Record<string, string> = {};

  const submit = async (keys: TenantKeys, name: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', headers: bearer(keys.member), payload: tinyJobSpec(datasets[keys.tenantId], { name }) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const run = (id: string) => h.db.run.findUniqueOrThrow({ where: { id }, select: { status: true, startedAt: true } });

  beforeAll(async () => {
    h = await startHarness();
    const admin = await bootstrapAdmin(h);
    a = await makeTenant(h, admin, 'alpha');
    b = await makeTenant(h, admin, 'beta');
    for (const t of [a, b])
      datasets[t.tenantId] = (await h.app.inject({ method: 'POST', url: '/datasets', headers: bearer(t.member), payload: tinyDatasetBody('tiny') })).json().id;
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("B's single job starts within one job of A's 20 queued jobs, on a single worker", async () => {
    const aJobs: string[] = [];
    for (let i = 0; i < 20; i++) aJobs.push(await submit(a, `a-${i}`));
    await h.startWorker({ WORKER_CONCURRENCY: '1' });
    // A's first job is taken when B arrives: B must come next, before A's other 19.
    await waitUntil(async () => (await run(aJobs[0])).status !== 'queued', 120_000);
    const bJob = await submit(b, 'b-0');
    await waitUntil(async () => (await run(bJob)).startedAt !== null, 120_000);
    const bStarted = (await run(bJob)).startedAt!;
    const aBefore = (await h.db.run.findMany({ where: { id: { in: aJobs } }, select: { startedAt: true } })).filter(
      (r) => r.startedAt && r.startedAt < bStarted,
    );
    expect(aBefore.length).toBeLessThanOrEqual(1);
    for (const id of aJobs) await h.app.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: bearer(a.member) });
  }, 300_000);
});
