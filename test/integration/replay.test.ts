/**
 * Replays through the service, on a real worker of each deterministic backend: a job submitted
 * without a seed shows the seed it was given and what it ran on (tfjs, backend, digests of its
 * samples and spec); POST /jobs/:id/retry with no patch replays it with bit-identical epoch
 * losses, and says so; a patched seed trains differently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitForJob, type Harness } from '../support/harness.js';
import { REFERENCE_SPECS } from '../support/reference-specs.js';
import { tinyDataset } from '../support/tiny-job.js';
import { TrainingClient } from '../../src/sdk/index.js';

describe('replay through the worker', () => {
  let h: Harness;
  let datasetId: string;
  beforeAll(async () => {
    h = await startHarness();
    const ds = tinyDataset(96);
    const features = Array.from({ length: ds.samples }, (_, i) => Array.from(ds.features.subarray(i * 4, i * 4 + 4)));
    const res = await h.app.inject({ method: 'POST', url: '/datasets', payload: { name: 'tiny', features, labels: Array.from(ds.labels!) } });
    expect(res.statusCode, res.body).toBe(201);
    datasetId = res.json().id;
  }, 60_000);
  afterAll(async () => h?.close());

  const losses = async (id: string) => {
    const body = (await h.app.inject({ method: 'GET', url: `/jobs/${id}/metrics` })).json() as { epochs: Array<{ loss: number; val_loss: number }> };
    return body.epochs.flatMap((e) => [e.loss, e.val_loss]);
  };
  const finished = async (id: string) => {
    const job = await waitForJob(h, id, 60_000);
    expect(job.status, job.error).toBe('succeeded');
    return job;
  };

  // One recipe per backend keeps this file short; the unit replay test runs all three on both.
  it.each([
    ['cpu', REFERENCE_SPECS[2]],
    ['wasm', REFERENCE_SPECS[1]],
  ] as const)(
    'on %s: an unseeded job stores its seed and environment, and its replay is bit-identical',
    async (backend, recipe) => {
      await h.stopWorkers();
      await h.startWorker({ TFJS_BACKEND: backend, WASM_THREADS: '1' });
      const spec = { ...recipe, dataset: { ...recipe.dataset, id: datasetId } };
      const created = await h.app.inject({ method: 'POST', url: '/jobs', payload: spec });
      expect(created.statusCode, created.body).toBe(201);
      const original = await finished(created.json().id);
      expect(Number.isInteger(original.seed)).toBe(true);
      expect(original.spec.fit.seed).toBe(original.seed);
      expect(original.environment).toMatchObject({ backend, tfjs: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(original.environment.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(original.environment.specSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(original.backendDetail).toBe(original.environment.backendDetail);

      // Through the SDK's replay helper on one backend, the bare endpoint on the other.
      const replayed =
        backend === 'wasm'
          ? await new TrainingClient({ baseUrl: h.baseUrl }).replayJob(original.id)
          : (await h.app.inject({ method: 'POST', url: `/jobs/${original.id}/retry`, payload: {} })).json();
      expect(replayed).toMatchObject({ status: 'queued', retryOf: original.id, replay: { exact: true, reason: null, seed: original.seed } });
      // Another seed trains differently, so equal losses above are not an accident.
      const reseeded = await h.app.inject({
        method: 'POST',
        url: `/jobs/${original.id}/retry`,
        payload: { patch: [{ op: 'replace', path: '/fit/seed', value: original.seed + 1 }] },
      });
      expect(reseeded.statusCode, reseeded.body).toBe(201);
      expect(reseeded.json().replay).toBeUndefined();

      const again = await finished(replayed.id);
      const other = await finished(reseeded.json().id);
      expect(again.seed).toBe(original.seed);
      expect(again.environment).toEqual(original.environment);
      const first = await losses(original.id);
      expect(first).toHaveLength(6);
      expect(await losses(again.id)).toEqual(first);
      expect(other.environment.specSha256).not.toBe(original.environment.specSha256);
      expect(await losses(other.id)).not.toEqual(first);
    },
    120_000,
  );
});
