import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, waitForJob, type Harness } from '../support/harness.js';

type ErrorBody = { error: string; message: string; details: Array<{ path: string; message: string }> };

function expectError(status: number, actual: number, body: ErrorBody, path?: string) {
  expect(actual).toBe(status);
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  expect(Array.isArray(body.details)).toBe(true);
  if (path !== undefined) expect(body.details.map((d) => d.path)).toContain(path);
}

/** POSTs a CSV as multipart/form-data over real HTTP. */
async function uploadCsv(h: Harness, fields: { csv?: string; labelColumn?: string; name?: string; fileName?: string }) {
  const form = new FormData();
  if (fields.csv !== undefined) form.append('file', new Blob([fields.csv], { type: 'text/csv' }), fields.fileName ?? 'data.csv');
  if (fields.labelColumn !== undefined) form.append('labelColumn', fields.labelColumn);
  if (fields.name !== undefined) form.append('name', fields.name);
  const res = await fetch(`${h.baseUrl}/datasets`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}

/** 64 points around two well-separated centres in 2-D, label 0 near (-1,-1), 1 near (1,1). */
function separable(n = 64) {
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const c = label === 0 ? -1 : 1;
    const jx = (((i * 37) % 17) / 17 - 0.5) * 0.4;
    const jy = (((i * 53) % 19) / 19 - 0.5) * 0.4;
    features.push([c + jx, c + jy]);
    labels.push(label);
  }
  return { features, labels };
}

// One backend is enough: uploads never touch the queue (the job test at the end runs on it too).
describe.each(QUEUE_BACKENDS.slice(0, 1))('datasets ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
  });
  afterAll(async () => h?.close());

  const postJson = (payload: unknown) => h.app.inject({ method: 'POST', url: '/datasets', payload: payload as object });

  it('uploads JSON vectors and reads back the same summary', async () => {
    const res = await postJson({
      name: 'xor',
      features: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      labels: [0, 1, 1, 0],
    });
    expect(res.statusCode).toBe(201);
    const summary = res.json();
    expect(summary).toMatchObject({ name: 'xor', samples: 4, featureShape: [2], classes: 2 });
    expect(summary.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const got = await h.app.inject({ method: 'GET', url: `/datasets/${summary.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(summary);
  });

  it('uploads JSON 2-D samples; classes is the largest label + 1', async () => {
    const sample = (v: number) => [
      [v, v + 1, v + 2],
      [v + 3, v + 4, v + 5],
    ];
    const res = await postJson({ name: 'grid', features: [sample(0), sample(1), sample(2)], labels: [0, 4, 2] });
    expect(res.statusCode).toBe(201);
    const summary = res.json();
    expect(summary).toMatchObject({ name: 'grid', samples: 3, featureShape: [2, 3], classes: 5 });
    expect((await h.app.inject({ method: 'GET', url: `/datasets/${summary.id}` })).json()).toEqual(summary);
  });

  it('an unlabeled JSON dataset has 0 classes', async () => {
    const res = await postJson({
      name: 'unlabeled',
      features: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'unlabeled', samples: 2, featureShape: [3], classes: 0 });
  });

  it('uploads a CSV with integer labels', async () => {
    const csv = 'a,b,label,c\n1,2,0,3\n4,5,2,6\n7,8.5,1,-9\n';
    const { status, body } = await uploadCsv(h, { csv, labelColumn: 'label', name: 'ints' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'ints', samples: 3, featureShape: [3], classes: 3 });
    expect(body.labelNames ?? null).toBeNull();
    const got = await (await fetch(`${h.baseUrl}/datasets/${body.id}`)).json();
    expect(got).toEqual(body);
  });

  it('uploads a CSV with string labels as classes in first-seen order', async () => {
    const csv = 'x,y,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n7,8,versicolor\n';
    const { status, body } = await uploadCsv(h, { csv, labelColumn: 'species' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ samples: 4, featureShape: [2], classes: 3, labelNames: ['setosa', 'virginica', 'versicolor'] });
    expect(body.name.length).toBeGreaterThan(0);
    const got = await (await fetch(`${h.baseUrl}/datasets/${body.id}`)).json();
    expect(got.labelNames).toEqual(['setosa', 'virginica', 'versicolor']);
  });

  it('a CSV without labelColumn is unlabeled', async () => {
    const { status, body } = await uploadCsv(h, { csv: 'a,b\n1,2\n3,4\n', name: 'nolabel' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ samples: 2, featureShape: [2], classes: 0 });
  });

  it('ragged features are a 400 naming the sample', async () => {
    const res = await postJson({ name: 'ragged', features: [[1, 2], [3], [4, 5]], labels: [0, 1, 0] });
    expectError(400, res.statusCode, res.json(), '/features/1');
    expect(res.json().details.map((d: { path: string }) => d.path)).not.toContain('/features/2');
  });

  it('a 2-D sample of the wrong inner shape names the row inside the sample', async () => {
    const res = await postJson({
      name: 'ragged2d',
      features: [
        [
          [1, 2],
          [3, 4],
        ],
        [[1, 2], [3]],
      ],
    });
    expectError(400, res.statusCode, res.json(), '/features/1/1');
  });

  it('negative and non-integer labels are 400s naming the label', async () => {
    const neg = await postJson({ name: 'neg', features: [[1], [2], [3]], labels: [0, -1, 1] });
    expectError(400, neg.statusCode, neg.json(), '/labels/1');
    const frac = await postJson({ name: 'frac', features: [[1], [2], [3]], labels: [0, 1, 1.5] });
    expectError(400, frac.statusCode, frac.json(), '/labels/2');
  });

  it('a label count that differs from the sample count is a 400', async () => {
    const res = await postJson({ name: 'count', features: [[1], [2], [3]], labels: [0, 1] });
    expectError(400, res.statusCode, res.json(), '/labels');
  });

  it('empty features and unknown fields are 400s', async () => {
    const empty = await postJson({ name: 'empty', features: [] });
    expectError(400, empty.statusCode, empty.json(), '/features');
    const extra = await postJson({ name: 'extra', features: [[1]], colour: 'red' });
    expectError(400, extra.statusCode, extra.json(), '/colour');
    const noName = await postJson({ features: [[1]] });
    expectError(400, noName.statusCode, noName.json(), '/name');
  });

  it('a CSV with a non-numeric cell names the row and column', async () => {
    const csv = 'a,b,label\n1,2,0\n3,oops,1\n';
    const { status, body } = await uploadCsv(h, { csv, labelColumn: 'label' });
    expectError(400, status, body, '/rows/1/b');
    expect(body.details[0].message).toContain('oops');
  });

  it('a CSV with an empty cell names the row and column', async () => {
    const { status, body } = await uploadCsv(h, { csv: 'a,b,label\n1,,0\n', labelColumn: 'label' });
    expectError(400, status, body, '/rows/0/b');
  });

  it('a CSV upload without `file` is a 400', async () => {
    const { status, body } = await uploadCsv(h, { labelColumn: 'label' });
    expectError(400, status, body, '/file');
  });

  it('an unknown labelColumn is a 400 listing the header', async () => {
    const { status, body } = await uploadCsv(h, { csv: 'a,b,label\n1,2,0\n', labelColumn: 'target' });
    expectError(400, status, body, '/labelColumn');
    expect(body.details[0].message).toContain('"label"');
  });

  it('a CSV with only a header is a 400', async () => {
    const { status, body } = await uploadCsv(h, { csv: 'a,b,label\n', labelColumn: 'label' });
    expectError(400, status, body);
  });

  it('unknown and malformed dataset ids are 404', async () => {
    const unknown = await h.app.inject({ method: 'GET', url: `/datasets/${randomUUID()}` });
    expectError(404, unknown.statusCode, unknown.json());
    expect(unknown.json().error).toBe('not_found');
    const malformed = await h.app.inject({ method: 'GET', url: '/datasets/not-an-id' });
    expectError(404, malformed.statusCode, malformed.json());
  });

  describe('with a 0.01 MB body limit', () => {
    let small: Harness;
    beforeAll(async () => {
      small = await startHarness({ redisUrl, env: { BODY_LIMIT_MB: '0.01' } });
    });
    afterAll(async () => small?.close());

    it('a small upload still works', async () => {
      const res = await small.app.inject({ method: 'POST', url: '/datasets', payload: { name: 'tiny', features: [[1, 2]], labels: [0] } });
      expect(res.statusCode).toBe(201);
    });

    it('a JSON body over the limit is a 413 with the error shape', async () => {
      const features = Array.from({ length: 2000 }, (_, i) => [i, i + 0.5]);
      const res = await fetch(`${small.baseUrl}/datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'big', features, labels: features.map(() => 0) }),
      });
      const body = await res.json();
      expectError(413, res.status, body);
    });

    it('a CSV file over the limit is a 413', async () => {
      const csv = 'a,b,label\n' + Array.from({ length: 3000 }, (_, i) => `${i},${i},0`).join('\n');
      const { status, body } = await uploadCsv(small, { csv, labelColumn: 'label' });
      expectError(413, status, body);
    });
  });

  describe('a job on an uploaded dataset', () => {
    it('trains on it and predicts rows of 2', async () => {
      const { features, labels } = separable(64);
      const up = await postJson({ name: 'separable', features, labels });
      expect(up.statusCode).toBe(201);
      const dataset = up.json();
      expect(dataset).toMatchObject({ samples: 64, featureShape: [2], classes: 2 });

      const spec = {
        name: 'on-upload',
        dataset: { id: dataset.id },
        model: {
          layers: [
            { type: 'Dense', units: 8, activation: 'relu', inputShape: [2] },
            { type: 'Dense', units: 2, activation: 'softmax' },
          ],
        },
        compile: { optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
        fit: { epochs: 8, batchSize: 16, seed: 3 },
        diagnostics: { enabled: false },
      };
      // A wrong output width is caught against the uploaded dataset's classes.
      const wrong = structuredClone(spec);
      wrong.model.layers[1].units = 3;
      const refused = await h.app.inject({ method: 'POST', url: '/jobs', payload: wrong });
      expectError(400, refused.statusCode, refused.json(), '/model/layers/1/units');

      const created = await h.app.inject({ method: 'POST', url: '/jobs', payload: spec });
      expect(created.statusCode).toBe(201);
      await h.startWorker();
      const job = await waitForJob(h, created.json().id, 90_000);
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(job.metrics.epoch).toBe(8);
      expect(job.metrics.accuracy).toBeGreaterThan(0.9);

      const predicted = await h.app.inject({
        method: 'POST',
        url: `/models/${job.modelId}/predict`,
        payload: {
          inputs: [
            [-1, -1],
            [1, 1],
            [-0.9, -1.1],
          ],
        },
      });
      expect(predicted.statusCode).toBe(200);
      const { outputs } = predicted.json();
      expect(outputs).toHaveLength(3);
      for (const row of outputs) {
        expect(row).toHaveLength(2);
        expect(row[0] + row[1]).toBeCloseTo(1, 4);
      }
      expect(outputs[0][0]).toBeGreaterThan(0.5);
      expect(outputs[1][1]).toBeGreaterThan(0.5);
      expect(outputs[2][0]).toBeGreaterThan(0.5);

      // A prediction input of the wrong width is a 400, not a 500.
      const bad = await h.app.inject({ method: 'POST', url: `/models/${job.modelId}/predict`, payload: { inputs: [[1, 2, 3]] } });
      expectError(400, bad.statusCode, bad.json(), '/inputs/0');
    });
  });
});
