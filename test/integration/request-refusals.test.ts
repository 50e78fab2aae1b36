import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeModel } from '../../src/features/models/models.js';
import { serializeModel } from '../../src/training/model/artifact.js';
import { summarizeModel } from '../../src/training/model/summary.js';
import { QUEUE_BACKENDS, startHarness, type Harness } from '../support/harness.js';
import { DEFAULT_TENANT_ID } from '../../src/core/principal.js';

type ErrorBody = { error: string; message: string; details: Array<{ path: string; message: string }> };

/** A small valid job on the Fashion-MNIST fixtures. */
function spec(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 100, seed: 1 },
    model: {
      layers: [
        { type: 'Flatten', inputShape: [28, 28] },
        { type: 'Dense', units: 8, activation: 'relu' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1, batchSize: 32 },
    ...overrides,
  };
}

/** A model with one input and two outputs, which /predict cannot serve. */
function twoOutputModel() {
  const input = tf.input({ shape: [2] });
  const a = tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [a, b] });
}

describe.each(QUEUE_BACKENDS.slice(0, 1))('requests refused with a 400 naming the field, never a 500 ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
  });
  afterAll(async () => h?.close());

  const postJob = (body: unknown) => h.app.inject({ method: 'POST', url: '/jobs', payload: body as object });
  async function rejected(body: unknown, path: string): Promise<ErrorBody> {
    const res = await postJob(body);
    expect(res.statusCode, res.body).toBe(400);
    const err = res.json() as ErrorBody;
    expect(err.details.map((d) => d.path)).toContain(path);
    return err;
  }

  it('POST /jobs refuses a piecewise_constant schedule Keras would refuse, naming the field', async () => {
    const schedule = (boundaries: number[], values: number[]) => ({ type: 'sgd', schedule: { type: 'piecewise_constant', boundaries, values } });
    await rejected(
      spec({ compile: { optimizer: schedule([10, 20], [0.1, 0.01]), loss: 'sparse_categorical_crossentropy' } }),
      '/compile/optimizer/schedule/values',
    );
    await rejected(
      spec({ compile: { optimizer: schedule([20, 10], [0.1, 0.01, 0.001]), loss: 'sparse_categorical_crossentropy' } }),
      '/compile/optimizer/schedule/boundaries',
    );
    const ok = await postJob(spec({ compile: { optimizer: schedule([10, 20], [0.1, 0.01, 0.001]), loss: 'sparse_categorical_crossentropy' } }));
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('POST /jobs refuses mse on a classification task whose last layer is not one unit per class', async () => {
    const layers = [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 5 },
    ];
    const err = await rejected(spec({ model: { layers }, compile: { optimizer: { type: 'sgd' }, loss: 'mse' } }), '/model/layers/1/units');
    expect(err.details[0].message).toContain('expected 10 units, got 5');
  });

  it('POST /jobs refuses a classes view naming a class with no samples in an uploaded dataset', async () => {
    const sample = (v: number) => [v, v + 1, v + 2];
    // Labels 0, 4, 2: classes 0..4, of which 1 and 3 have no samples.
    const up = await h.app.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'gaps', features: [sample(0), sample(1), sample(2)], labels: [0, 4, 2] },
    });
    expect(up.statusCode).toBe(201);
    expect(up.json().classes).toBe(5);
    const job = (classes: number[]) =>
      spec({ dataset: { id: up.json().id, classes }, model: { layers: [{ type: 'Dense', units: classes.length, activation: 'softmax' }] } });
    const err = await rejected(job([0, 3, 4]), '/dataset/classes/1');
    expect(err.details).toEqual([{ path: '/dataset/classes/1', message: 'class 3 has no samples in this dataset' }]);
    const ok = await postJob(job([4, 0, 2]));
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('caps details at 20 entries, the last counting the rest', async () => {
    const classes = Array.from({ length: 5000 }, (_, i) => i);
    const err = await rejected(spec({ dataset: { builtin: 'fashion-mnist', classes } }), '/dataset/classes/10');
    expect(err.details).toHaveLength(20);
    expect(err.details[19]).toEqual({ path: '', message: '... and 4971 more' });
  });

  it('answers a malformed JSON body with invalid_json', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: '{"model": ' });
    expect(res.statusCode).toBe(400);
    const body = res.json() as ErrorBody;
    expect(body.error).toBe('invalid_json');
    expect(body.details).toEqual([{ path: '', message: body.message }]);
  });

  it('names a CSV upload without `name` after its file, and keeps `name` when given', async () => {
    const upload = async (name?: string) => {
      const form = new FormData();
      form.append('file', new Blob(['a,b,label\n1,2,0\n3,4,1\n'], { type: 'text/csv' }), 'iris-small.csv');
      form.append('labelColumn', 'label');
      if (name !== undefined) form.append('name', name);
      const res = await fetch(`${h.baseUrl}/datasets`, { method: 'POST', body: form });
      expect(res.status).toBe(201);
      return (await res.json()) as { name: string };
    };
    expect((await upload()).name).toBe('iris-small.csv');
    expect((await upload('given')).name).toBe('given');
  });

  it('POST /models refuses a two-output model with a 400', async () => {
    const { modelJson, weights } = await serializeModel(twoOutputModel());
    const res = await h.app.inject({ method: 'POST', url: '/models', payload: { modelJson, weights: Buffer.from(weights).toString('base64') } });
    expect(res.statusCode, res.body).toBe(400);
    expect((res.json() as ErrorBody).details.map((d) => d.path)).toEqual(['/modelJson/modelTopology']);
  });

  it('POST /models/:id/predict on a stored two-output model is a 400, not a 500', async () => {
    const model = twoOutputModel();
    const { modelJson, weights } = await serializeModel(model);
    const id = await storeModel(h.db, { tenantId: DEFAULT_TENANT_ID, jobId: null, summary: summarizeModel(model), modelJson, weights, source: 'imported' });
    model.dispose();
    const res = await h.app.inject({ method: 'POST', url: `/models/${id}/predict`, payload: { inputs: [[1, 2]] } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toBe('this model has 2 outputs; /predict serves single-input, single-output models');
  });
});
