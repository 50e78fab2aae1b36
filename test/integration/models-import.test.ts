import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, waitForJob, type Harness } from '../support/harness.js';
import { exampleModelImport, examplePredict } from '../../src/schemas/examples.js';

/** 64 two-feature points, label 0 around (-1,-1) and 1 around (1,1). */
function separable(n = 64) {
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2 === 0 ? -1 : 1;
    features.push([c + ((i % 7) / 7 - 0.5) * 0.4, c + ((i % 5) / 5 - 0.5) * 0.4]);
    labels.push(i % 2);
  }
  return { features, labels };
}

const INPUTS = [
  [-1, -1],
  [1, 1],
  [0.2, -0.3],
];

// The registry and import do not depend on the queue; one backend keeps the suite fast.
describe.each(QUEUE_BACKENDS.slice(0, 1))('model registry and import ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  let datasetId: string;
  let jobs: Array<Record<string, any>>;
  let original: Record<string, any>;

  const job = (overrides: Record<string, unknown> = {}) => ({
    name: 'reg',
    modelName: 'reg-a',
    dataset: { id: datasetId },
    model: {
      layers: [
        { type: 'Dense', units: 8, activation: 'relu', inputShape: [2] },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 2, batchSize: 16, seed: 1 },
    diagnostics: { enabled: false },
    ...overrides,
  });

  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    const up = await h.app.inject({ method: 'POST', url: '/datasets', payload: { name: 'sep', ...separable() } });
    expect(up.statusCode).toBe(201);
    datasetId = up.json().id;
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: job({ fit: { epochs: 2, batchSize: 16, seed } }) });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    await h.startWorker();
    jobs = [];
    for (const id of ids) jobs.push(await waitForJob(h, id, 90_000));
    original = (await h.app.inject({ method: 'GET', url: `/models/${jobs[0].modelId}` })).json();
  });
  afterAll(async () => h?.close());

  const importModel = (payload: unknown) => h.app.inject({ method: 'POST', url: '/models', payload: payload as object });

  async function artifactOf(modelId: string) {
    const jsonRes = await fetch(`${h.baseUrl}/models/${modelId}/artifact/model.json`);
    expect(jsonRes.status).toBe(200);
    const modelJson = await jsonRes.json();
    const binRes = await fetch(`${h.baseUrl}/models/${modelId}/artifact/weights.bin`);
    expect(binRes.status).toBe(200);
    expect(binRes.headers.get('content-type')).toMatch(/application\/octet-stream/);
    const weights = Buffer.from(await binRes.arrayBuffer());
    return { modelJson, weights };
  }

  async function predict(modelId: string): Promise<number[][]> {
    const res = await h.app.inject({ method: 'POST', url: `/models/${modelId}/predict`, payload: { inputs: INPUTS } });
    expect(res.statusCode).toBe(200);
    return res.json().outputs;
  }

  it('jobs with a modelName register versions 1 and 2', async () => {
    for (const j of jobs) {
      expect(j.error).toBeNull();
      expect(j.status).toBe('succeeded');
    }
    const res = await h.app.inject({ method: 'GET', url: '/models?name=reg-a' });
    expect(res.statusCode).toBe(200);
    const { items, nextCursor } = res.json();
    expect(items.map((m: { version: number }) => m.version)).toEqual([2, 1]);
    expect(items.every((m: { name: string }) => m.name === 'reg-a')).toBe(true);
    expect(new Set(items.map((m: { id: string }) => m.id))).toEqual(new Set(jobs.map((j) => j.modelId)));
    expect(new Set(items.map((m: { jobId: string }) => m.jobId))).toEqual(new Set(jobs.map((j) => j.id)));
    expect(nextCursor).toBeNull();
    expect(original).toMatchObject({ name: 'reg-a', source: 'trained', jobId: jobs[0].id, inputShape: [2] });
    expect(original.summary.totalParams).toBe(2 * 8 + 8 + 8 * 2 + 2);
    // Another name lists nothing.
    expect((await h.app.inject({ method: 'GET', url: '/models?name=reg-b' })).json().items).toEqual([]);
  });

  it('imports a downloaded model as version 1, then 2, and it predicts as the original', async () => {
    const { modelJson, weights } = await artifactOf(jobs[0].modelId);
    expect(weights.byteLength).toBe(original.summary.totalParams * 4);

    const first = await importModel({ modelJson, weights: weights.toString('base64'), name: 'imported-x' });
    expect(first.statusCode).toBe(201);
    const imported = first.json();
    expect(imported).toMatchObject({ name: 'imported-x', version: 1, source: 'imported', jobId: null, inputShape: [2] });
    expect(imported.id).not.toBe(original.id);
    expect(imported.summary).toEqual(original.summary);
    expect((await h.app.inject({ method: 'GET', url: `/models/${imported.id}` })).json()).toEqual(imported);

    const listed = (await h.app.inject({ method: 'GET', url: '/models?name=imported-x' })).json();
    expect(listed.items.map((m: { id: string; version: number }) => [m.id, m.version])).toEqual([[imported.id, 1]]);

    const second = await importModel({ modelJson, weights: weights.toString('base64'), name: 'imported-x' });
    expect(second.statusCode).toBe(201);
    expect(second.json().version).toBe(2);
    const both = (await h.app.inject({ method: 'GET', url: '/models?name=imported-x' })).json();
    expect(both.items.map((m: { id: string; version: number }) => [m.id, m.version])).toEqual([
      [second.json().id, 2],
      [imported.id, 1],
    ]);

    const expected = await predict(original.id);
    const got = await predict(imported.id);
    expect(got).toHaveLength(INPUTS.length);
    got.forEach((row, i) => {
      expect(row).toHaveLength(2);
      row.forEach((v, k) => expect(v).toBeCloseTo(expected[i][k], 5));
    });
    // The two registered versions of reg-a were trained with different seeds: they differ.
    const other = await predict(jobs[1].modelId);
    expect(other.some((row, i) => Math.abs(row[0] - expected[i][0]) > 1e-6)).toBe(true);

    // The imported model's own artifact round-trips byte for byte.
    const again = await artifactOf(imported.id);
    expect(again.weights.equals(weights)).toBe(true);
  });

  it('an import without a name is stored unversioned', async () => {
    const { modelJson, weights } = await artifactOf(jobs[0].modelId);
    const res = await importModel({ modelJson, weights: weights.toString('base64') });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: null, version: null, source: 'imported' });
  });

  it('an imported model can be the base of a new job', async () => {
    const { modelJson, weights } = await artifactOf(jobs[0].modelId);
    const base = (await importModel({ modelJson, weights: weights.toString('base64'), name: 'imported-base' })).json();
    const created = await h.app.inject({
      method: 'POST',
      url: '/jobs',
      payload: job({
        modelName: undefined,
        base: { modelId: base.id, dropLast: 1, freeze: true },
        model: { layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] },
        fit: { epochs: 1, batchSize: 16, seed: 3 },
      }),
    });
    expect(created.statusCode).toBe(201);
    const done = await waitForJob(h, created.json().id, 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const model = (await h.app.inject({ method: 'GET', url: `/models/${done.modelId}` })).json();
    expect(model.lineage.baseModelId).toBe(base.id);
    expect(model.lineage.reusedLayers).toHaveLength(1);
    expect(model.summary.totalParams).toBe(2 * 8 + 8 + 8 * 2 + 2);
    expect(model.summary.trainableParams).toBe(8 * 2 + 2);
  });

  it('weights of the wrong length are a 400 naming /weights', async () => {
    const { modelJson, weights } = await artifactOf(jobs[0].modelId);
    for (const bad of [weights.subarray(0, weights.byteLength - 4), Buffer.concat([weights, Buffer.alloc(4)]), Buffer.alloc(0)]) {
      const res = await importModel({ modelJson, weights: bad.toString('base64'), name: 'imported-bad' });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(body.details.map((d: { path: string }) => d.path)).toContain('/weights');
      expect(body.details[0].message).toContain(String(weights.byteLength));
    }
    // Nothing was registered under that name.
    expect((await h.app.inject({ method: 'GET', url: '/models?name=imported-bad' })).json().items).toEqual([]);
  });

  it('a graph model, a missing topology and a broken topology are 400s', async () => {
    const graph = await importModel({
      modelJson: {
        format: 'graph-model',
        generatedBy: '2.15.0',
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: { node: [], library: {}, versions: {} },
        weightsManifest: [],
      },
      weights: '',
    });
    expect(graph.statusCode).toBe(400);
    expect(graph.json().details.map((d: { path: string }) => d.path)).toContain('/modelJson/format');

    const noTopology = await importModel({ modelJson: { format: 'layers-model', weightsManifest: [] }, weights: '' });
    expect(noTopology.statusCode).toBe(400);
    expect(noTopology.json().details.map((d: { path: string }) => d.path)).toContain('/modelJson/modelTopology');

    const { modelJson, weights } = await artifactOf(jobs[0].modelId);
    const broken = structuredClone(modelJson);
    const topology = broken.modelTopology.model_config ?? broken.modelTopology;
    expect(topology.config.layers.length).toBeGreaterThan(0);
    topology.config.layers[0].class_name = 'NoSuchLayer';
    const res = await importModel({ modelJson: broken, weights: weights.toString('base64') });
    expect(res.statusCode).toBe(400);
    // Refused from the topology's text, before anything is built: the layer's class is named.
    expect(res.json().details[0].path).toMatch(/^\/modelJson\/modelTopology\/.*\/layers\/0\/class_name$/);

    const badName = await importModel({ modelJson, weights: weights.toString('base64'), name: '../etc' });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().details.map((d: { path: string }) => d.path)).toContain('/name');
  });

  it('predict with inputs of the wrong shape is a 400; on an unknown model a 404', async () => {
    const bad = await h.app.inject({ method: 'POST', url: `/models/${original.id}/predict`, payload: { inputs: [[1, 2, 3]] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { path: string }) => d.path)).toContain('/inputs/0');
    const unknown = await h.app.inject({ method: 'POST', url: `/models/${randomUUID()}/predict`, payload: { inputs: INPUTS } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("the API docs' examples", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('the POST /models example is a layers model the import endpoint accepts, and the predict example fits it', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/models', payload: exampleModelImport });
    expect(res.statusCode, res.body).toBe(201);
    const model = res.json();
    expect(model.source).toBe('imported');
    expect(model.name).toBe(exampleModelImport.name);
    expect(model.version).toBe(1);
    expect(model.inputShape).toEqual([2]);
    expect(model.summary.totalParams).toBe(6);
    const predicted = await h.app.inject({ method: 'POST', url: `/models/${model.id}/predict`, payload: examplePredict });
    expect(predicted.statusCode, predicted.body).toBe(200);
    expect(predicted.json().outputs).toHaveLength(examplePredict.inputs.length);
  });
});
