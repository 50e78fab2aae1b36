import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModelImport } from '../../src/schemas/examples.js';
import { sweepEndedCheckpoints } from '../../src/features/jobs/retention.js';
import { sweepDeliveryLog } from '../../src/features/webhooks/log-retention.js';
import { startHarness, waitForJob, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';

/**
 * Access control, the rest: quotas (queued, storage, and running with a real worker), sharing a
 * model with another tenant, deletion (409 while in use, the bytes really gone, usage down) and
 * the retention sweep. One harness, one worker process (concurrency 2, so a tenant over its
 * running-jobs quota would otherwise run two jobs at once).
 */
let h: Harness;
let admin: string;
let a: TenantKeys;
let b: TenantKeys;
let c: TenantKeys;

const as = (key: string) => ({
  get: (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(key) }),
  post: (url: string, payload?: unknown) =>
    h.app.inject({ method: 'POST', url, headers: bearer(key), ...(payload !== undefined ? { payload: payload as object } : {}) }),
  del: (url: string) => h.app.inject({ method: 'DELETE', url, headers: bearer(key) }),
});
type Usage = {
  queuedJobs: number;
  runningJobs: number;
  storageBytes: { datasets: number; models: number; checkpoints: number; total: number };
  quotas: { queuedJobs: number; runningJobs: number; storageMb: number };
};
const usage = async (key: string) => (await as(key).get('/usage')).json() as Usage;

/** What PostgreSQL really holds for a tenant, read from the blobs themselves (not the sizeBytes columns). */
async function storedBytes(tenantId: string) {
  const datasets = await h.db.dataset.findMany({ where: { tenantId }, select: { features: true, labels: true } });
  const models = await h.db.model.findMany({ where: { tenantId }, select: { weights: true } });
  return {
    datasets: datasets.reduce((n, d) => n + d.features.byteLength + (d.labels?.byteLength ?? 0), 0),
    models: models.reduce((n, m) => n + m.weights.byteLength, 0),
  };
}

/** The tiny dataset's stored size: 32 samples x 4 float32 features + 32 int32 labels. */
const TINY_BYTES = 32 * 4 * 4 + 32 * 4;
/**
 * A job long enough to be seen queued or running by a request sent just after it (256 batches of
 * one sample: a second or more of training), and to overlap another if a quota let them.
 */
const SLOW_EPOCHS = 8;
const slow = { fit: { epochs: SLOW_EPOCHS, batchSize: 1, seed: 1 } };
const JOB_WAIT_MS = 240_000;
const waitFor = (id: string, timeoutMs = JOB_WAIT_MS) => waitForJob(h, id, timeoutMs, bearer(admin));

beforeAll(async () => {
  h = await startHarness();
  admin = await bootstrapAdmin(h);
  a = await makeTenant(h, admin, 'alpha');
  b = await makeTenant(h, admin, 'beta', { queuedJobs: 2, storageMb: 0.01 });
  c = await makeTenant(h, admin, 'gamma', { runningJobs: 1 });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('quotas', () => {
  it('queued jobs over the quota: 403 quota_exceeded naming the quota and the use; other tenants are not held back', async () => {
    // No worker yet: what is submitted stays queued.
    const data = (await as(b.member).post('/datasets', tinyDatasetBody('q'))).json().id;
    for (let i = 0; i < 2; i++) expect((await as(b.member).post('/jobs', tinyJobSpec(data))).statusCode).toBe(201);
    const over = await as(b.member).post('/jobs', tinyJobSpec(data));
    expect(over.statusCode, over.body).toBe(403);
    expect(over.json()).toMatchObject({ error: 'quota_exceeded', quota: 'QUOTA_QUEUED_JOBS', limit: 2, use: 2 });
    expect(over.json().message).toContain('QUOTA_QUEUED_JOBS');
    expect(over.json().message).toContain('2 queued jobs');
    // A retry is a submission too.
    const queued = (await as(b.member).get('/jobs')).json().items[0].id;
    expect((await as(b.member).post(`/jobs/${queued}/retry`, { name: 'again' })).statusCode).toBe(403);
    expect((await usage(b.member)).queuedJobs).toBe(2);
    const other = (await as(a.member).post('/datasets', tinyDatasetBody('a'))).json().id;
    expect((await as(a.member).post('/jobs', tinyJobSpec(other))).statusCode).toBe(201);
  });

  it('stored bytes over the quota: 403 for an upload or an import that would not fit, naming QUOTA_STORAGE_MB', async () => {
    const big = { name: 'big', features: Array.from({ length: 400 }, () => [1, 2, 3, 4, 5, 6, 7, 8]), labels: Array.from({ length: 400 }, (_, i) => i % 2) };
    const res = await as(b.member).post('/datasets', big);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: 'quota_exceeded', quota: 'QUOTA_STORAGE_MB', limit: 0.01 });
    expect(res.json().message).toMatch(/stores [\d.]+ MB and this would add [\d.]+ MB/);
    // A tenant without a storage quota stores it.
    expect((await as(a.member).post('/datasets', big)).statusCode).toBe(201);
  });

  it('an admin changes a quota with PATCH /admin/tenants/:id; null goes back to the default', async () => {
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/admin/tenants/${b.tenantId}`,
      headers: bearer(admin),
      payload: { quotas: { queuedJobs: 3 } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().quotas).toEqual({ queuedJobs: 3, storageMb: 0.01 });
    expect((await usage(b.member)).quotas).toMatchObject({ queuedJobs: 3, storageMb: 0.01 });
    const back = await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${b.tenantId}`, headers: bearer(admin), payload: { quotas: { queuedJobs: 2 } } });
    expect(back.json().quotas.queuedJobs).toBe(2);
    expect(
      (await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${b.tenantId}`, headers: bearer(b.member), payload: { quotas: { queuedJobs: 9 } } }))
        .statusCode,
    ).toBe(403);
    const bad = await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${b.tenantId}`, headers: bearer(admin), payload: { quotas: { queuedJobs: -1 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('/quotas/queuedJobs');
  });

  it(
    'running jobs over the quota wait in the queue (a real worker of concurrency 2), and run one after the other',
    async () => {
      await h.startWorker({ WORKER_CONCURRENCY: '2' });
      const data = (await as(c.member).post('/datasets', tinyDatasetBody('c'))).json().id;
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await as(c.member).post('/jobs', tinyJobSpec(data, slow))).json().id);
      let maxRunning = 0;
      let done = false;
      const watch = (async () => {
        while (!done) {
          maxRunning = Math.max(maxRunning, await h.db.run.count({ where: { tenantId: c.tenantId, status: 'running' } }));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const jobs = [await waitFor(ids[0]), await waitFor(ids[1])];
      done = true;
      await watch;
      for (const job of jobs) {
        expect(job.status, job.error).toBe('succeeded');
        // It waited without spending an attempt.
        expect(job.attempts).toBe(1);
      }
      expect(maxRunning).toBe(1);
      const [first, second] = [...jobs].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
      expect(Date.parse(second.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.finishedAt));
      expect((await usage(c.member)).quotas.runningJobs).toBe(1);
    },
    2 * JOB_WAIT_MS + 60_000,
  );
});

describe('sharing a model', () => {
  it('lets the other tenant read it, predict with it and list it, until it is unshared; shares are audited', async () => {
    const model = (await as(a.member).post('/models', exampleModelImport)).json().id as string;
    expect((await as(b.member).get(`/models/${model}`)).statusCode).toBe(404);
    expect((await as(b.member).post(`/models/${model}/shares`, { tenantId: b.tenantId })).statusCode).toBe(404);
    expect((await as(a.viewer).post(`/models/${model}/shares`, { tenantId: b.tenantId })).statusCode).toBe(403);
    const unknown = await as(a.member).post(`/models/${model}/shares`, { tenantId: '7b0c5f0e-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details[0].path).toBe('/tenantId');

    const shared = await as(a.member).post(`/models/${model}/shares`, { tenantId: b.tenantId });
    expect(shared.statusCode, shared.body).toBe(201);
    expect(shared.json()).toMatchObject({ modelId: model, tenantId: b.tenantId });
    expect((await as(a.member).get(`/models/${model}/shares`)).json().items.map((s: { tenantId: string }) => s.tenantId)).toEqual([b.tenantId]);
    expect((await as(b.viewer).get(`/models/${model}`)).json().tenantId).toBe(a.tenantId);
    expect((await as(b.viewer).get('/models')).body).toContain(model);
    expect((await as(b.viewer).get(`/models/${model}/artifact/model.json`)).statusCode).toBe(200);
    expect((await as(b.viewer).post(`/models/${model}/predict`, { inputs: [[0, 1]] })).statusCode).toBe(200);
    // Shared is not owned: the other tenant may not delete it, share it on, or see its shares.
    expect((await as(b.member).del(`/models/${model}`)).statusCode).toBe(404);
    expect((await as(b.member).post(`/models/${model}/shares`, { tenantId: c.tenantId })).statusCode).toBe(404);
    expect((await as(b.member).get(`/models/${model}/shares`)).statusCode).toBe(404);
    // A third tenant still sees nothing.
    expect((await as(c.member).get(`/models/${model}`)).statusCode).toBe(404);

    expect((await as(a.member).del(`/models/${model}/shares/${b.tenantId}`)).statusCode).toBe(204);
    expect((await as(b.viewer).get(`/models/${model}`)).statusCode).toBe(404);
    expect((await as(b.viewer).get('/models')).body).not.toContain(model);
    const audit = (await as(admin).get(`/admin/audit?tenantId=${a.tenantId}`))
      .json()
      .items.map((e: { action: string; resourceId: string }) => `${e.action} ${e.resourceId}`);
    expect(audit).toEqual(expect.arrayContaining([`share ${model}`, `unshare ${model}`]));
  });

  it(
    "a shared base trains the other tenant's model, whose lineage names it",
    async () => {
      const data = (await as(a.member).post('/datasets', tinyDatasetBody('alpha'))).json().id;
      const base = (await waitFor((await as(a.member).post('/jobs', tinyJobSpec(data))).json().id)).modelId as string;
      const own = (await as(c.member).post('/datasets', tinyDatasetBody('gamma'))).json().id;
      const spec = tinyJobSpec(own, { base: { modelId: base, dropLast: 1 }, model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] } });
      expect((await as(c.member).post('/jobs', spec)).statusCode).toBe(404);
      expect((await as(a.member).post(`/models/${base}/shares`, { tenantId: c.tenantId })).statusCode).toBe(201);
      const derived = await as(c.member).post('/jobs', spec);
      expect(derived.statusCode, derived.body).toBe(201);
      const done = await waitFor(derived.json().id);
      expect(done.status, done.error).toBe('succeeded');
      const model = (await as(c.member).get(`/models/${done.modelId}`)).json();
      expect(model.lineage).toMatchObject({ baseModelId: base, baseModelDeleted: false });
      expect(model.tenantId).toBe(c.tenantId);
    },
    JOB_WAIT_MS * 2,
  );
});

describe('deleting', () => {
  it(
    'a job: 409 while queued or running, then its metrics and diagnostics go; its model stays',
    async () => {
      const data = (await as(a.member).post('/datasets', tinyDatasetBody('del-job'))).json().id;
      const id = (await as(a.member).post('/jobs', tinyJobSpec(data, { ...slow, diagnostics: { enabled: true } }))).json().id;
      const early = await as(a.member).del(`/jobs/${id}`);
      expect(early.statusCode).toBe(409);
      expect(early.json().message).toContain('cancel it first');
      expect((await as(a.viewer).del(`/jobs/${id}`)).statusCode).toBe(403);
      const job = await waitFor(id);
      expect(job.status, job.error).toBe('succeeded');
      expect(await h.db.epochMetric.count({ where: { runId: id } })).toBe(SLOW_EPOCHS);
      expect(await h.db.epochDiagnostic.count({ where: { runId: id } })).toBeGreaterThan(0);
      expect((await as(a.member).del(`/jobs/${id}`)).statusCode).toBe(204);
      expect((await as(a.member).get(`/jobs/${id}`)).statusCode).toBe(404);
      expect((await as(a.member).get(`/jobs/${id}/metrics`)).statusCode).toBe(404);
      expect(await h.db.run.count({ where: { id } })).toBe(0);
      expect(await h.db.epochMetric.count({ where: { runId: id } })).toBe(0);
      expect(await h.db.epochDiagnostic.count({ where: { runId: id } })).toBe(0);
      expect(await h.db.checkpoint.count({ where: { runId: id } })).toBe(0);
      const model = await as(a.member).get(`/models/${job.modelId}`);
      expect(model.statusCode).toBe(200);
      expect(model.json().jobId).toBeNull();
      expect((await as(a.member).del(`/jobs/${id}`)).statusCode).toBe(404);
      const audit = (await as(admin).get(`/admin/audit?action=delete`))
        .json()
        .items.map((e: { resource: string; resourceId: string }) => `${e.resource} ${e.resourceId}`);
      expect(audit).toContain(`job ${id}`);
    },
    JOB_WAIT_MS + 30_000,
  );

  it(
    'a dataset: 409 while a queued or running job evaluates on it; then its bytes are gone and usage goes down',
    async () => {
      const data = (await as(a.member).post('/datasets', tinyDatasetBody('del-data'))).json().id;
      const other = (await as(a.member).post('/datasets', tinyDatasetBody('del-data-2'))).json().id;
      const before = await usage(a.member);
      const bytesBefore = await storedBytes(a.tenantId);
      const id = (await as(a.member).post('/jobs', tinyJobSpec(other, { evaluate: { dataset: { id: data } }, ...slow }))).json().id;
      const busy = await as(a.member).del(`/datasets/${data}`);
      expect(busy.statusCode).toBe(409);
      expect(busy.json().message).toContain(id);
      expect((await as(b.member).del(`/datasets/${data}`)).statusCode).toBe(404);
      expect((await waitFor(id)).status).toBe('succeeded');
      const freed = await as(a.member).del(`/datasets/${data}`);
      expect(freed.statusCode, freed.body).toBe(204);
      expect((await as(a.member).get(`/datasets/${data}`)).statusCode).toBe(404);
      const after = await usage(a.member);
      const bytesAfter = await storedBytes(a.tenantId);
      expect(before.storageBytes.datasets - after.storageBytes.datasets).toBe(TINY_BYTES);
      expect(bytesBefore.datasets - bytesAfter.datasets).toBe(TINY_BYTES);
      // A job on a deleted dataset is a 404 naming the field.
      const gone = await as(a.member).post('/jobs', tinyJobSpec(data));
      expect(gone.statusCode).toBe(404);
      expect(gone.json().details[0].path).toBe('/dataset/id');
    },
    JOB_WAIT_MS + 30_000,
  );

  it(
    'a model: 409 while a queued job builds on it; then its weights are gone, a tombstone keeps lineage, usage goes down',
    async () => {
      const data = (await as(a.member).post('/datasets', tinyDatasetBody('del-model'))).json().id;
      const base = (
        await waitFor(
          await as(a.member)
            .post('/jobs', tinyJobSpec(data))
            .then((r) => r.json().id),
        )
      ).modelId as string;
      expect((await as(a.member).post(`/models/${base}/shares`, { tenantId: b.tenantId })).statusCode).toBe(201);
      const derivedJob = (
        await as(a.member).post(
          '/jobs',
          tinyJobSpec(data, { base: { modelId: base, dropLast: 1 }, model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] }, ...slow }),
        )
      ).json().id;
      const busy = await as(a.member).del(`/models/${base}`);
      expect(busy.statusCode).toBe(409);
      expect(busy.json().message).toContain(derivedJob);
      const derived = (await waitFor(derivedJob)).modelId as string;
      const before = await usage(a.member);
      const blobsBefore = await storedBytes(a.tenantId);
      const stored = await h.db.model.findUniqueOrThrow({ where: { id: base }, select: { weights: true, sizeBytes: true } });
      expect(stored.weights.byteLength).toBeGreaterThan(0);
      expect(stored.sizeBytes).toBeGreaterThan(stored.weights.byteLength);

      expect((await as(a.member).del(`/models/${base}`)).statusCode).toBe(204);
      for (const url of [`/models/${base}`, `/models/${base}/artifact/model.json`, `/models/${base}/artifact/weights.bin`, `/models/${base}/shares`]) {
        expect((await as(a.member).get(url)).statusCode, url).toBe(404);
      }
      expect((await as(a.member).post(`/models/${base}/predict`, { inputs: [[0, 0, 0, 0]] })).statusCode).toBe(404);
      expect((await as(b.member).get(`/models/${base}`)).statusCode).toBe(404);
      expect(await h.db.modelShare.count({ where: { modelId: base } })).toBe(0);
      expect((await h.db.model.findUniqueOrThrow({ where: { id: base } })).weights.byteLength).toBe(0);
      expect(blobsBefore.models - (await storedBytes(a.tenantId)).models).toBe(stored.weights.byteLength);
      expect((await usage(a.member)).storageBytes.models).toBe(before.storageBytes.models - stored.sizeBytes);
      const lineage = (await as(a.member).get(`/models/${derived}`)).json().lineage;
      expect(lineage).toMatchObject({ baseModelId: base, baseModelDeleted: true });
      const again = await as(a.member).post('/jobs', tinyJobSpec(data, { base: { modelId: base, dropLast: 1 } }));
      expect(again.statusCode).toBe(404);
      expect((await as(a.member).del(`/models/${base}`)).statusCode).toBe(404);
    },
    JOB_WAIT_MS * 2 + 30_000,
  );

  it('RETENTION_DAYS: the sweep deletes checkpoints left by ended jobs once they are old enough, and usage goes down', async () => {
    const data = (await as(a.member).post('/datasets', tinyDatasetBody('retention'))).json().id;
    const id = (await as(a.member).post('/jobs', tinyJobSpec(data))).json().id;
    await waitFor(id);
    // A job ended from outside its training process keeps its last checkpoint: stand one in.
    await h.db.checkpoint.create({
      data: {
        runId: id,
        epoch: 1,
        phase: 'train',
        phaseStart: 0,
        modelSpecs: [],
        modelData: new Uint8Array(1000),
        optimizerSpecs: [],
        optimizerData: new Uint8Array(24),
        sizeBytes: 1024,
      },
    });
    const before = await usage(a.member);
    expect(before.storageBytes.checkpoints).toBe(1024);
    expect(await sweepEndedCheckpoints(h.db, 1)).toBe(0);
    expect(await sweepEndedCheckpoints(h.db, 1, Date.now() + 2 * 24 * 3600 * 1000)).toBe(1);
    const after = await usage(a.member);
    expect(after.storageBytes.checkpoints).toBe(0);
    expect(before.storageBytes.total - after.storageBytes.total).toBe(1024);
  });

  it('WEBHOOK_LOG_DAYS: the sweep deletes ended deliveries older than that, and keeps pending ones and recent ones', async () => {
    const hook = await h.db.webhook.create({ data: { tenantId: a.tenantId, url: 'https://example.com/hook', events: ['job.succeeded'], secret: 'whsec_x' } });
    const day = 24 * 3600 * 1000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day);
    const rows = [
      { status: 'succeeded', lastAttemptAt: at(40) },
      { status: 'failed', lastAttemptAt: at(31) },
      { status: 'succeeded', lastAttemptAt: at(29) },
      // Never attempted (its webhook disabled before): its age is its creation's.
      { status: 'failed', lastAttemptAt: null, createdAt: at(35) },
      { status: 'pending', lastAttemptAt: at(40) },
    ];
    const ids: string[] = [];
    for (const row of rows) {
      const made = await h.db.webhookDelivery.create({
        data: { webhookId: hook.id, tenantId: a.tenantId, event: 'job.succeeded', payload: { id: 'x' }, ...row },
      });
      ids.push(made.id);
    }
    expect(await sweepDeliveryLog(h.db, 30)).toBe(3);
    const left = await h.db.webhookDelivery.findMany({ where: { webhookId: hook.id }, select: { id: true } });
    expect(left.map((d) => d.id).sort()).toEqual([ids[2], ids[4]].sort());
    await h.db.webhook.delete({ where: { id: hook.id } });
  });
});

describe('usage', () => {
  it("is the caller's tenant's; only an admin reads another tenant's", async () => {
    const own = await as(b.viewer).get('/usage');
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ tenantId: b.tenantId, quotas: { queuedJobs: 2, storageMb: 0.01 } });
    expect((await as(b.viewer).get(`/usage?tenantId=${a.tenantId}`)).statusCode).toBe(404);
    const other = await as(admin).get(`/usage?tenantId=${a.tenantId}`);
    expect(other.statusCode).toBe(200);
    expect(other.json().tenantId).toBe(a.tenantId);
  });
});
