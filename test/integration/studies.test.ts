import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/commands.js';
import { TrainingClient, type Study } from '../../src/sdk/index.js';
import { pairedTTest, summarize } from '../../src/studies/inference.js';
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
    h = await startHarness({ redisUrl: backend.redisUrl, env: { MAX_STUDY_TRIALS: '20', WORKER_LOCK_S: '4' } });
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
      repeats: 4,
    });
    expect(big.status).toBe(400);
    expect(big.body.details[0]).toEqual({ path: '/parameters', message: expect.stringMatching(/24 trial jobs; the limit is 20 \(MAX_STUDY_TRIALS\)/) });

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

  it('a 2x2 grid with repeats 5 runs 20 trial jobs, ranks them with 95% intervals and paired p-values against the best, and ends (through the SDK and the CLI)', async () => {
    const client = new TrainingClient({ baseUrl: h.baseUrl });
    const created = await client.createStudy({
      name: 'grid',
      base: tinyBase(),
      parameters: { '/model/layers/1/activation': ['relu', 'sigmoid'], '/compile/optimizer/learningRate': [0.01, 0.001] },
      method: 'grid',
      repeats: 5,
      maxConcurrent: 3,
    } as never);
    expect(created).toMatchObject({ status: 'running', trials: 20 });
    const snapshots: Study[] = [];
    for await (const snapshot of client.watchStudy(created.id, { pollMs: 300 })) snapshots.push(snapshot);
    expect(snapshots.length).toBeGreaterThan(1);
    expect(snapshots.at(-1)!.status).toBe('succeeded');
    const s = await waitForStudy(h, created.id);
    expect(s.status).toBe('succeeded');
    expect(s.metric).toBe('val_loss');
    expect(s.mode).toBe('min');
    expect(s.trials).toHaveLength(20);
    expect(s.trials.every((t: { status: string; epochs: number }) => t.status === 'succeeded' && t.epochs === 2)).toBe(true);
    expect(s.metricNote).toBe('ranked by val_loss: the base spec holds out validation data');
    expect(Number.isInteger(s.seed)).toBe(true);

    // The trials are ordinary jobs: listed with their study, their seeds per repeat.
    const jobs = (await h.app.inject({ url: `/jobs?studyId=${created.id}&limit=100` })).json().items;
    expect(jobs).toHaveLength(20);
    expect(new Set(jobs.map((j: { id: string }) => j.id))).toEqual(new Set(s.trials.map((t: { jobId: string }) => t.jobId)));
    for (const j of jobs) expect(j.studyId).toBe(created.id);
    const oneJob = (await h.app.inject({ url: `/jobs/${s.trials[5].jobId}` })).json();
    expect(oneJob.trial).toEqual({ index: 5, parameters: s.trials[5].parameters });
    expect(oneJob.spec.fit.seed).toBe(2);
    expect(oneJob.spec.dataset.seed).toBe(2);

    // The ranking recomputed from the jobs' own last epochs, by configuration and repeat.
    const byConfig = new Map<string, number[]>();
    for (const t of s.trials) {
      const job = (await h.app.inject({ url: `/jobs/${t.jobId}` })).json();
      expect(t.value).toBe(job.metrics.val_loss);
      expect(job.spec.fit.seed).toBe(1 + t.repeat);
      const key = JSON.stringify(t.parameters);
      const values = byConfig.get(key) ?? [];
      values[t.repeat] = job.metrics.val_loss;
      byConfig.set(key, values);
    }
    expect(s.ranking).toHaveLength(4);
    const bestValues = byConfig.get(JSON.stringify(s.ranking[0].parameters))!;
    for (const entry of s.ranking) {
      const values = byConfig.get(JSON.stringify(entry.parameters))!;
      const expected = summarize(values);
      expect(entry.n).toBe(5);
      expect(entry.mean).toBeCloseTo(expected.mean, 12);
      expect(entry.std).toBeCloseTo(expected.sd!, 12);
      expect(entry.ci95[0]).toBeCloseTo(expected.ci![0], 12);
      expect(entry.ci95[1]).toBeCloseTo(expected.ci![1], 12);
      expect(entry.ci95[0]).toBeLessThan(entry.mean);
      if (entry === s.ranking[0]) {
        expect(entry.vsBest).toBeNull();
        continue;
      }
      // Paired by repeat: repeat r of each configuration against repeat r of the best.
      const paired = pairedTTest(values.map((v, r) => v - bestValues[r]));
      expect(entry.vsBest).toMatchObject({ n: 5, test: 't', distinguishable: paired.pValue! < 0.05 });
      expect(entry.vsBest.diff).toBeCloseTo(paired.diff, 12);
      expect(entry.vsBest.pValue).toBeCloseTo(paired.pValue!, 12);
      expect(entry.vsBest.ci95[1]).toBeCloseTo(paired.ci![1], 12);
    }
    const means = s.ranking.map((r: { mean: number }) => r.mean);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(s.best).toEqual(s.ranking[0]);
    expect(s.bestDistinguishable).toBe(s.ranking.slice(1).every((r: { vsBest: { distinguishable: boolean } }) => r.vsBest.distinguishable));
    const effects = s.effects['/model/layers/1/activation'];
    expect(effects.map((e: { n: number }) => e.n)).toEqual([10, 10]);
    expect(effects[0].ci95[0]).toBeLessThan(effects[0].mean);
    const shares = Object.values(s.importance) as number[];
    expect(shares).toHaveLength(2);
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0);
    expect(shares[0] + shares[1]).toBeLessThanOrEqual(1 + 1e-12);

    // The SDK asks for the Wilcoxon signed-rank test instead: 5 pairs, exact, at least 2/32.
    const wilcoxon = await client.getStudy(created.id, { test: 'wilcoxon' });
    expect(wilcoxon.test).toBe('wilcoxon');
    for (const r of wilcoxon.ranking.slice(1)) expect(r.vsBest).toMatchObject({ test: 'wilcoxon', pValue: expect.any(Number), n: 5 });
    expect(Math.min(...wilcoxon.ranking.slice(1).map((r) => r.vsBest!.pValue!))).toBeGreaterThanOrEqual(0.0625);
    const badTest = await h.app.inject({ url: `/studies/${created.id}?test=anova` });
    expect(badTest.statusCode).toBe(400);
    const list = await client.listStudies();
    expect(list.items[0]).toMatchObject({ id: created.id, status: 'succeeded', trials: 20 });

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
    expect(printed).toContain(`[${best.ci95[0].toFixed(4)}, ${best.ci95[1].toFixed(4)}]`);
    expect(printed).toContain(`p=${s.ranking[1].vsBest.pValue.toPrecision(3)}`);
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
