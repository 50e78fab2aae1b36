import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/commands.js';
import { TrainingClient, type Study } from '../../src/sdk/index.js';
import { meanStd } from '../../src/studies/aggregate.js';
import { QUEUE_BACKENDS, startHarness, waitUntil, type Harness } from '../support/harness.js';
import { descendants } from '../support/processes.js';

/** A very small Fashion-MNIST job on the fixtures: a second or so per trial. */
const tinyBase = (over: Record<string, unknown> = {}) => ({
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 160, seed: 1 },
  validation: { split: 0.25 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 8, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 2, batchSize: 32, seed: 1 },
  ...over,
});

async function post(h: Harness, url: string, payload: object) {
  const res = await h.app.inject({ method: 'POST', url, payload });
  return { status: res.statusCode, body: res.json() };
}

const study = async (h: Harness, id: string) => (await h.app.inject({ url: `/studies/${id}` })).json();

/** Kills a worker as a crashed machine would: it and its training processes at once, no goodbye. */
function crash(worker: ChildProcess) {
  const pids = descendants(worker.pid!);
  worker.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

async function waitForStudy(h: Harness, id: string, timeoutMs = 120_000) {
  await waitUntil(async () => (await study(h, id)).status !== 'running', timeoutMs);
  // A trial asked to stop may still be finishing its batch; wait for every job to end.
  await waitUntil(async () => (await h.db.run.count({ where: { studyId: id, status: { in: ['queued', 'running'] } } })) === 0, timeoutMs);
  return study(h, id);
}

// Redis when the suite has it (the production queue), else BullMQ's PostgreSQL backend.
const backend = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1];

describe(`studies (${backend.name} queue)`, () => {
  let h: Harness;
  // The worker the kill test crashes: by then its training process is warm, so the test pays
  // for one worker start (the replacement), not three.
  let worker: ChildProcess;
  beforeAll(async () => {
    // A 4 s lock (15 s by default): the kill test's crashed trial is free again within seconds.
    h = await startHarness({ redisUrl: backend.redisUrl, env: { MAX_STUDY_TRIALS: '12', WORKER_LOCK_S: '4' } });
    worker = await h.startWorker();
  }, 150_000);
  afterAll(async () => h?.close());

  it('refuses, naming the field, a pointer not in the spec, a value the schema refuses, a spec that cannot train and a plan over MAX_STUDY_TRIALS; nothing is queued', async () => {
    const missing = await post(h, '/studies', { base: tinyBase(), parameters: { '/model/layers/5/units': [4, 8] }, method: 'grid' });
    expect(missing.status).toBe(400);
    expect(missing.body.details[0]).toEqual({
      path: '/parameters/~1model~1layers~15~1units',
      message: expect.stringMatching(/\/model\/layers\/5 does not exist/),
    });

    const refused = await post(h, '/studies', { base: tinyBase(), parameters: { '/model/layers/1/activation': ['relu', 'nope'] }, method: 'grid' });
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('/parameters/~1model~1layers~11~1activation');
    expect(refused.body.details[0].message).toMatch(/"nope" makes an invalid job spec: \/model\/layers\/1\/activation/);

    const named = await post(h, '/studies', { base: tinyBase(), parameters: { t: { big: { '/model/layers/1/units': 0 } } }, method: 'grid' });
    expect(named.status).toBe(400);
    expect(named.body.details[0].path).toBe('/parameters/t/big/~1model~1layers~11~1units');

    // Passes the schema, fails the semantic checks POST /jobs makes (the data has 10 classes).
    const semantic = await post(h, '/studies', { base: tinyBase(), parameters: { '/model/layers/2/units': [10, 3] }, method: 'grid' });
    expect(semantic.status).toBe(400);
    expect(semantic.body.details[0].path).toBe('/parameters/~1model~1layers~12~1units');

    const big = await post(h, '/studies', {
      base: tinyBase(),
      parameters: { '/fit/epochs': [1, 2, 3], '/fit/batchSize': [8, 16] },
      method: 'grid',
      repeats: 3,
    });
    expect(big.status).toBe(400);
    expect(big.body.details[0]).toEqual({ path: '/parameters', message: expect.stringMatching(/18 trial jobs; the limit is 12 \(MAX_STUDY_TRIALS\)/) });

    const badMetric = await post(h, '/studies', {
      base: tinyBase({ validation: undefined }),
      parameters: { '/fit/epochs': [1] },
      method: 'grid',
      metric: 'val_loss',
    });
    expect(badMetric.status).toBe(400);
    expect(badMetric.body.details[0].path).toBe('/metric');

    const presetClash = await post(h, '/studies', { preset: 'chapter-11', method: 'random' });
    expect(presetClash.status).toBe(400);
    expect(presetClash.body.details[0].path).toBe('/method');

    expect(await h.db.run.count()).toBe(0);
    expect(await h.db.study.count()).toBe(0);
    expect((await h.app.inject({ url: '/studies/00000000-0000-0000-0000-000000000000' })).statusCode).toBe(404);
  });

  it('a 2x2 grid with repeats 2 runs 8 trial jobs, aggregates them as mean ± std over repeats, and ends (through the SDK and the CLI)', async () => {
    const client = new TrainingClient({ baseUrl: h.baseUrl });
    const created = await client.createStudy({
      name: 'grid',
      base: tinyBase(),
      parameters: { '/model/layers/1/activation': ['relu', 'sigmoid'], '/compile/optimizer/learningRate': [0.01, 0.001] },
      method: 'grid',
      repeats: 2,
      maxConcurrent: 3,
    } as never);
    expect(created).toMatchObject({ status: 'running', trials: 8 });
    const snapshots: Study[] = [];
    for await (const snapshot of client.watchStudy(created.id, { pollMs: 300 })) snapshots.push(snapshot);
    expect(snapshots.length).toBeGreaterThan(1);
    expect(snapshots.at(-1)!.status).toBe('succeeded');
    const s = await waitForStudy(h, created.id);
    expect(s.status).toBe('succeeded');
    expect(s.metric).toBe('val_loss');
    expect(s.mode).toBe('min');
    expect(s.trials).toHaveLength(8);
    expect(s.trials.every((t: { status: string; epochs: number }) => t.status === 'succeeded' && t.epochs === 2)).toBe(true);

    // The trials are ordinary jobs: listed with their study, their seeds per repeat.
    const jobs = (await h.app.inject({ url: `/jobs?studyId=${created.id}&limit=100` })).json().items;
    expect(jobs).toHaveLength(8);
    expect(new Set(jobs.map((j: { id: string }) => j.id))).toEqual(new Set(s.trials.map((t: { jobId: string }) => t.jobId)));
    for (const j of jobs) expect(j.studyId).toBe(created.id);
    const oneJob = (await h.app.inject({ url: `/jobs/${s.trials[5].jobId}` })).json();
    expect(oneJob.trial).toEqual({ index: 5, parameters: s.trials[5].parameters });
    expect(oneJob.spec.fit.seed).toBe(2);
    expect(oneJob.spec.dataset.seed).toBe(2);

    // The ranking recomputed from the jobs' own last epochs.
    const byConfig = new Map<string, number[]>();
    for (const t of s.trials) {
      const job = (await h.app.inject({ url: `/jobs/${t.jobId}` })).json();
      expect(t.value).toBe(job.metrics.val_loss);
      const key = JSON.stringify(t.parameters);
      byConfig.set(key, [...(byConfig.get(key) ?? []), job.metrics.val_loss]);
    }
    expect(s.ranking).toHaveLength(4);
    for (const entry of s.ranking) {
      const values = byConfig.get(JSON.stringify(entry.parameters))!;
      expect(entry.n).toBe(2);
      expect(entry.mean).toBeCloseTo(meanStd(values).mean, 12);
      expect(entry.std).toBeCloseTo(meanStd(values).std, 12);
    }
    const means = s.ranking.map((r: { mean: number }) => r.mean);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(s.best).toEqual(s.ranking[0]);
    expect(s.effects['/model/layers/1/activation'].map((e: { n: number }) => e.n)).toEqual([4, 4]);
    const list = await client.listStudies();
    expect(list.items[0]).toMatchObject({ id: created.id, status: 'succeeded', trials: 8 });

    let printed = '';
    const io = { stdout: { write: (t: string) => (printed += t) }, stderr: { write: (t: string) => (printed += t) }, env: { TRAINING_URL: h.baseUrl } };
    expect(await runCli(['study', 'show', created.id], io)).toBe(0);
    const best = s.ranking[0];
    expect(printed).toContain(
      `1   ${Object.values(best.parameters)
        .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
        .join(' + ')}`,
    );
    expect(printed).toContain(`${best.mean.toFixed(4)} ± ${best.std.toFixed(4)}`);
    expect(printed).toMatch(/effect of \/model\/layers\/1\/activation: relu/);

    // Cancelling it now changes nothing, and says so: 409, as for a job that has ended.
    await expect(client.cancelStudy(created.id)).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
      message: `study ${created.id} has already ended (succeeded); only a running study can be cancelled`,
    });
    printed = '';
    expect(await runCli(['study', 'cancel', created.id], io)).toBe(1);
    expect(printed).toContain('(HTTP 409 conflict)');
    expect((await study(h, created.id)).status).toBe('succeeded');
  }, 240_000);

  it('asha stops the worse half at its rung (epoch 2 of 3); they report the epoch they stopped at', async () => {
    // Two good and two hopeless learning rates, in turns, one at a time: each hopeless trial
    // reaches the rung after a good one has recorded a far better loss there.
    const created = await post(h, '/studies', {
      base: tinyBase({ fit: { epochs: 3, batchSize: 8, seed: 1 } }),
      parameters: { '/compile/optimizer/learningRate': [0.01, 1e-7, 0.01, 1e-7] },
      method: 'asha',
      metric: 'val_loss',
      asha: { gracePeriod: 2, reductionFactor: 4 },
      maxConcurrent: 1,
    });
    expect(created.status).toBe(201);
    const s = await waitForStudy(h, created.body.id, 150_000);
    expect(s.status).toBe('succeeded');
    expect(s.trials.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'stopped', 'succeeded', 'stopped']);
    for (const t of s.trials.filter((x: { status: string }) => x.status === 'stopped')) {
      expect(t.stoppedAtEpoch).toBe(2);
      expect(t.epochs).toBe(2);
      const job = (await h.app.inject({ url: `/jobs/${t.jobId}` })).json();
      expect(job.status).toBe('cancelled');
      expect(job.modelId).toBeNull();
    }
    expect(s.trials.filter((t: { status: string }) => t.status === 'succeeded').every((t: { epochs: number }) => t.epochs === 3)).toBe(true);
    expect(s.ranking.find((r: { parameters: Record<string, number> }) => r.parameters['/compile/optimizer/learningRate'] === 1e-7)).toMatchObject({
      n: 0,
      stopped: 2,
      mean: null,
    });
  }, 180_000);

  it('cancel mid-way cancels every trial not ended and launches no more', async () => {
    const created = await post(h, '/studies', {
      base: tinyBase({ fit: { epochs: 30, batchSize: 8, seed: 1 } }),
      parameters: { '/fit/seed': [1, 2, 3, 4, 5, 6] },
      method: 'grid',
      maxConcurrent: 2,
    });
    const id = created.body.id;
    await waitUntil(async () => (await h.db.run.count({ where: { studyId: id, status: 'running' } })) >= 1, 90_000);
    const cancelled = await post(h, `/studies/${id}/cancel`, {});
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');
    const s = await waitForStudy(h, id, 90_000);
    expect(s.status).toBe('cancelled');
    const runs = await h.db.run.findMany({ where: { studyId: id } });
    expect(runs.length).toBeLessThan(6);
    expect(runs.every((r) => r.status === 'cancelled')).toBe(true);
    expect(s.trials.filter((t: { jobId: string | null }) => t.jobId === null).every((t: { status: string }) => t.status === 'cancelled')).toBe(true);
    // Nothing is launched later either.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await h.db.run.count({ where: { studyId: id } })).toBe(runs.length);
  }, 200_000);

  it('a worker killed mid-study: the study still ends with every trial run exactly once', async () => {
    const created = await post(h, '/studies', {
      base: tinyBase({ fit: { epochs: 5, batchSize: 16, seed: 1 } }),
      parameters: { '/fit/seed': [1, 2, 3, 4] },
      method: 'grid',
      maxConcurrent: 2,
    });
    const id = created.body.id;
    // Mid-study: one trial done, the others running, queued or not launched yet.
    await waitUntil(async () => (await h.db.run.count({ where: { studyId: id, status: 'succeeded' } })) >= 1, 90_000);
    crash(worker);
    expect(await h.db.run.count({ where: { studyId: id, status: 'succeeded' } })).toBeLessThan(4);
    await h.startWorker();
    // The replacement starts a training process, and takes the crashed trial up once its lock expires.
    const s = await waitForStudy(h, id, 180_000);
    expect(s.status).toBe('succeeded');
    const runs = await h.db.run.findMany({ where: { studyId: id }, select: { trialIndex: true, status: true } });
    expect(runs.map((r) => r.trialIndex).sort()).toEqual([0, 1, 2, 3]);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(s.trials.every((t: { status: string }) => t.status === 'succeeded')).toBe(true);
  }, 360_000);
});
