import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TrainQueue } from '../../src/infra/queue/train-queue.js';
import { stepStudy, type StudyDeps } from '../../src/features/studies/study-driver.js';
import { startHarness, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';

/**
 * The study controller queues a trial once, not on every 500 ms step, and still queues a trial
 * that a crashed step created but never queued. No worker: the test takes the steps itself, on
 * the real queue, counting what each step adds to it.
 */
let h: Harness;
let a: TenantKeys;
let studyId = '';
const added: string[] = [];
/** The harness's queue, with every `add` (enqueueRun) recorded by job id. */
let queue: TrainQueue;

beforeAll(async () => {
  h = await startHarness();
  const admin = await bootstrapAdmin(h);
  a = await makeTenant(h, admin, 'alpha');
  const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: bearer(a.member), payload });
  const dataset = (await post('/datasets', tinyDatasetBody('trials'))).json().id;
  const created = await post('/studies', { base: tinyJobSpec(dataset), parameters: { '/fit/seed': [1, 2, 3] }, method: 'grid', maxConcurrent: 3 });
  expect(created.statusCode, created.body).toBe(201);
  studyId = created.json().id;
  queue = new Proxy(h.queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'add') return typeof value === 'function' ? value.bind(target) : value;
      return (name: string, data: unknown, opts: { jobId: string }) => {
        added.push(opts.jobId);
        return target.add(name as never, data as never, opts as never);
      };
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

it('queues each trial once across steps; a fresh process (after a crash) queues the queued trials once, the lost one included', async () => {
  const deps: StudyDeps = { db: h.db, queue, enqueued: new Set() };
  expect(await stepStudy(deps, studyId)).toBe('continue');
  const runs = await h.db.run.findMany({ where: { studyId }, select: { id: true, status: true } });
  expect(runs.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
  expect(added.sort()).toEqual(runs.map((r) => r.id).sort());

  // Later steps, with every trial still queued: nothing is sent to the queue again.
  added.length = 0;
  for (let i = 0; i < 3; i++) expect(await stepStudy(deps, studyId)).toBe('continue');
  expect(added).toEqual([]);

  // A step that died after creating a run and before queueing it: the run is not on the queue.
  const lost = runs[0].id;
  await (await h.queue.getJob(lost))?.remove();
  expect(await h.queue.getJob(lost)).toBeUndefined();
  // The next step runs in another process (nothing remembered): it queues each queued trial once.
  const restarted: StudyDeps = { db: h.db, queue, enqueued: new Set() };
  expect(await stepStudy(restarted, studyId)).toBe('continue');
  expect(added.sort()).toEqual(runs.map((r) => r.id).sort());
  expect((await h.queue.getJob(lost))?.data.runId).toBe(lost);
  added.length = 0;
  expect(await stepStudy(restarted, studyId)).toBe('continue');
  expect(added).toEqual([]);

  // A trial that has left `queued` (cancelled here) is forgotten and never queued again.
  expect((await h.app.inject({ method: 'POST', url: `/jobs/${lost}/cancel`, headers: bearer(a.member) })).statusCode).toBe(202);
  expect(await stepStudy(restarted, studyId)).toBe('continue');
  expect(restarted.enqueued?.has(lost)).toBe(false);
  expect(added).toEqual([]);
});
