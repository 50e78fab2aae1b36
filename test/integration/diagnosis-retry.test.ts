/**
 * Diagnosis through the service: warnings with ids, severity, advice, evidence and a fix on
 * GET /jobs/:id and /diagnostics; a `stop` rule failing the job; POST /jobs/:id/retry applying
 * the fixes (the new job records `retryOf`) and refusing patches that do not apply or make an
 * invalid spec; an adamax job training through the worker's per-epoch checkpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, waitForJob, type Harness } from '../support/harness.js';

type ErrorBody = { error: string; message: string; details: Array<{ path: string; message: string }> };

/** The first job, made small: SGD at learning rate 10 on 784-32-10. */
const lr10 = (over: Record<string, unknown> = {}) =>
  smallFashionJob({
    name: 'lr-10',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 300, seed: 1 },
    validation: undefined,
    evaluate: undefined,
    compile: { optimizer: { type: 'sgd', learningRate: 10 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 2, batchSize: 32, seed: 7 },
    ...over,
  });

describe.each(QUEUE_BACKENDS.slice(0, 1))('diagnosis and retry ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  let brokenId: string;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
    const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: lr10() });
    expect(res.statusCode, res.body).toBe(201);
    brokenId = res.json().id;
    await waitForJob(h, brokenId);
  }, 180_000);
  afterAll(async () => h?.close());

  const retry = (id: string, body: unknown) => h.app.inject({ method: 'POST', url: `/jobs/${id}/retry`, payload: body as object });

  it('a job trained at learning rate 10 is diagnosed as diverged, with evidence and a fix', async () => {
    const job = (await h.app.inject({ method: 'GET', url: `/jobs/${brokenId}` })).json();
    expect(job.status).toBe('succeeded');
    const diverged = job.warnings.find((w: { kind: string }) => w.kind === 'diverged');
    expect(diverged).toMatchObject({ id: 'diverged:model', severity: 'critical', layer: null });
    expect(diverged.evidence.loss).toBeGreaterThan(3 * Math.log(10));
    expect(diverged.fix).toEqual([
      { op: 'add', path: '/compile/optimizer/learningRate', value: 1 },
      { op: 'add', path: '/compile/optimizer/clipNorm', value: 1 },
    ]);
    const diagnostics = (await h.app.inject({ method: 'GET', url: `/jobs/${brokenId}/diagnostics` })).json();
    expect(diagnostics.warnings.map((w: { id: string }) => w.id)).toContain('diverged:model');
  });

  it('retry with applyFixes starts a new job from the patched spec that records retryOf', async () => {
    const res = await retry(brokenId, { applyFixes: ['diverged:model'], name: 'lr-10-fixed' });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ status: 'queued', retryOf: brokenId });
    const job = await waitForJob(h, created.id);
    expect(job).toMatchObject({ status: 'succeeded', retryOf: brokenId, name: 'lr-10-fixed' });
    expect(job.spec.compile.optimizer).toMatchObject({ type: 'sgd', learningRate: 1, clipNorm: 1 });
    expect(job.warnings.map((w: { kind: string }) => w.kind)).not.toContain('diverged');
  }, 180_000);

  it('refuses a patch that does not apply, one that makes an invalid spec, and unknown warnings or jobs', async () => {
    const cases: Array<[unknown, string]> = [
      [{ patch: [{ op: 'replace', path: '/model/layers/9/units', value: 3 }] }, '/patch/0'],
      [{ patch: [{ op: 'test', path: '/fit/epochs', value: 99 }] }, '/patch/0'],
      [{ patch: [{ op: 'add', path: '/model/layers/1/units', value: 0 }] }, '/model/layers/1/units'],
      [{ patch: [{ op: 'add', path: '/fit/nonsense', value: 1 }] }, '/fit/nonsense'],
      [{ applyFixes: ['no_such:warning'] }, '/applyFixes/0'],
      [{ patch: [{ op: 'add', path: '/__proto__/polluted', value: 1 }] }, '/patch/0'],
    ];
    for (const [body, path] of cases) {
      const res = await retry(brokenId, body);
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as ErrorBody).details.map((d) => d.path)).toContain(path);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A move into its own child once threw a TypeError inside the patch library: a 500.
    const move = await retry(brokenId, { patch: [{ op: 'move', from: '/model', path: '/model/layers/0' }] });
    expect(move.statusCode, move.body).toBe(400);
    expect((move.json() as ErrorBody).details[0]).toEqual({ path: '/patch/0', message: expect.stringMatching(/cannot be moved into itself/) });
    // 24 copies, each doubling the spec, once held the event loop for half a minute; refused at the one that crosses the limit.
    const copies = await retry(brokenId, { patch: Array.from({ length: 24 }, (_, i) => ({ op: 'copy', from: '/fit', path: `/fit/k${i}` })) });
    expect(copies.statusCode, copies.body).toBe(400);
    expect((copies.json() as ErrorBody).details[0]).toEqual({
      path: expect.stringMatching(/^\/patch\/\d+$/),
      message: expect.stringMatching(/^copy \/fit to \/fit\/k\d+: the patched document would be longer than the limit/),
    });
    expect((await retry('00000000-0000-4000-8000-000000000000', { applyFixes: true })).statusCode).toBe(404);
    expect((await retry('not-a-uuid', { applyFixes: true })).statusCode).toBe(404);
  });

  it('a rule with action "stop" ends the job failed with its message', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/jobs',
      payload: lr10({ diagnostics: { rules: { diverged: { action: 'stop', baselineFactor: 2 } } } }),
    });
    expect(res.statusCode, res.body).toBe(201);
    const job = await waitForJob(h, res.json().id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^Stopped by the diverged rule/);
    expect(job.warnings.map((w: { id: string }) => w.id)).toContain('diverged:model');
    const bad = await h.app.inject({ method: 'POST', url: '/jobs', payload: lr10({ diagnostics: { rules: { diverged: { action: 'halt' } } } }) });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as ErrorBody).details[0].path).toMatch(/^\/diagnostics\/rules\/diverged\/action/);
  }, 180_000);

  it('an adamax job trains through the per-epoch checkpoints', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/jobs',
      payload: smallFashionJob({
        compile: { optimizer: { type: 'adamax', learningRate: 0.002 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
        fit: { epochs: 2, batchSize: 32, seed: 7 },
      }),
    });
    expect(res.statusCode, res.body).toBe(201);
    const job = await waitForJob(h, res.json().id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
  }, 180_000);
});
