import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, type Harness } from '../support/harness.js';

/** A small valid spec: Flatten, Dense 8 (layer 1), Dense 10 softmax (layer 2) on the Fashion-MNIST fixtures. */
function spec(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    name: 'errors',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 100, seed: 1 },
    model: {
      layers: [
        { type: 'Flatten', inputShape: [28, 28] },
        { type: 'Dense', units: 8, activation: 'relu' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 32 },
    ...overrides,
  };
}

/** Asserts the contract's error shape and returns the body. */
function errorBody(res: { statusCode: number; json(): any }, status: number) {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(typeof body.error).toBe('string');
  expect(body.error.length).toBeGreaterThan(0);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.details)).toBe(true);
  for (const d of body.details) {
    expect(typeof d.path).toBe('string');
    expect(typeof d.message).toBe('string');
  }
  return body as { error: string; message: string; details: Array<{ path: string; message: string }> };
}

const paths = (body: { details: Array<{ path: string }> }) => body.details.map((d) => d.path);

/** GET /health answers ok for every part and names the queue backend. */
async function expectHealthy(h: Harness, queueBackend: string) {
  const res = await h.app.inject({ method: 'GET', url: '/health' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'ok', backend: 'test', db: 'ok', queue: 'ok', queueBackend });
}

// What a request is refused for is decided before the queue is reached: one backend (PostgreSQL)
// is enough; /health, which asks the queue, is checked on each.
describe('API errors (postgres queue)', () => {
  let h: Harness;
  let limited: Harness;
  beforeAll(async () => {
    [h, limited] = await Promise.all([startHarness(), startHarness({ env: { MAX_EPOCHS: '5' } })]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), limited?.close()]);
  });

  const postJob = (body: unknown, harness = h) => harness.app.inject({ method: 'POST', url: '/jobs', payload: body as object });

  /** POSTs the spec and asserts a 400 whose details name `path`; returns the body. */
  async function rejects(body: unknown, path: string, harness = h, status = 400) {
    const res = await postJob(body, harness);
    const err = errorBody(res, status);
    expect(paths(err)).toContain(path);
    return err;
  }

  it('accepts the valid base spec (so every rejection below is caused by its one change)', async () => {
    const res = await postJob(spec());
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'queued' });
    expect(res.json().id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a missing `fit` is named', async () => {
    const { fit: _fit, ...rest } = spec();
    const err = await rejects(rest, '/fit');
    expect(err.details.find((d) => d.path === '/fit')!.message).toMatch(/required/);
  });

  it('`units: 0` is named at the layer', async () => {
    const s = spec();
    s.model.layers[1].units = 0;
    await rejects(s, '/model/layers/1/units');
  });

  it('an unknown layer type names `type` and lists the allowed types', async () => {
    const s = spec();
    s.model.layers[1] = { type: 'Dense3D', units: 8 };
    const err = await rejects(s, '/model/layers/1/type');
    const detail = err.details.find((d) => d.path === '/model/layers/1/type')!;
    expect(detail.message).toContain('Dense3D');
    for (const t of ['Dense', 'Flatten', 'BatchNormalization', 'LeakyReLU', 'Dropout']) expect(detail.message).toContain(t);
  });

  it('an unknown layer option is named', async () => {
    const s = spec();
    s.model.layers[1].foo = 1;
    const err = await rejects(s, '/model/layers/1/foo');
    expect(err.details.find((d) => d.path === '/model/layers/1/foo')!.message).toContain('foo');
  });

  it('an unknown optimizer type is named and the allowed ones listed', async () => {
    const s = spec();
    s.compile.optimizer = { type: 'lion', learningRate: 0.01 };
    const err = await rejects(s, '/compile/optimizer/type');
    const detail = err.details.find((d) => d.path === '/compile/optimizer/type')!;
    for (const t of ['sgd', 'adam', 'rmsprop']) expect(detail.message).toContain(t);
  });

  it('a bad initializer name is named', async () => {
    const s = spec();
    s.model.layers[1].kernelInitializer = 'he_normalish';
    await rejects(s, '/model/layers/1/kernelInitializer');
  });

  it('an unknown loss is named', async () => {
    const s = spec();
    s.compile.loss = 'hinge_of_doom';
    const err = await rejects(s, '/compile/loss');
    expect(err.details.find((d) => d.path === '/compile/loss')!.message).toContain('sparse_categorical_crossentropy');
  });

  it('a Dense straight on 28x28 inputs (no Flatten) is refused at that layer', async () => {
    const s = spec();
    s.model.layers = [
      { type: 'Dense', units: 8, activation: 'relu', inputShape: [28, 28] },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ];
    const err = await rejects(s, '/model/layers/0');
    expect(err.error).toBe('invalid_spec');
    expect(err.details.find((d) => d.path === '/model/layers/0')!.message).toMatch(/Flatten/);
  });

  it('last layer units that do not match the classes are named', async () => {
    const s = spec();
    s.model.layers[2].units = 3;
    const err = await rejects(s, '/model/layers/2/units');
    const detail = err.details.find((d) => d.path === '/model/layers/2/units')!;
    expect(detail.message).toContain('10');
    expect(detail.message).toContain('3');
  });

  it('last layer units must match the selected classes', async () => {
    // classes [0, 1] leaves 2 classes: 10 units is now wrong, 2 is right.
    const s = spec({ dataset: { builtin: 'fashion-mnist', classes: [0, 1], limit: 50 } });
    await rejects(s, '/model/layers/2/units');
    s.model.layers[2].units = 2;
    expect((await postJob(s)).statusCode).toBe(201);
  });

  it('an unknown dataset id is a 404 that names the field', async () => {
    await rejects(spec({ dataset: { id: randomUUID() } }), '/dataset/id', h, 404);
    await rejects(spec({ dataset: { id: 'not-a-uuid' } }), '/dataset/id', h, 404);
  });

  it('a dataset reference with both or neither of id and builtin is refused', async () => {
    await rejects(spec({ dataset: { id: randomUUID(), builtin: 'mnist' } }), '/dataset');
    await rejects(spec({ dataset: { limit: 10 } }), '/dataset');
  });

  it('a builtin class that does not exist is named by its index', async () => {
    const err = await rejects(spec({ dataset: { builtin: 'fashion-mnist', classes: [3, 11] } }), '/dataset/classes/1');
    expect(paths(err)).not.toContain('/dataset/classes/0');
  });

  it('validation with both split and dataset is refused', async () => {
    await rejects(spec({ validation: { split: 0.1, dataset: { builtin: 'fashion-mnist', split: 'test' } } }), '/validation');
  });

  it('an unknown base model is a 404 that names the field', async () => {
    await rejects(spec({ base: { modelId: randomUUID(), dropLast: 1 } }), '/base/modelId', h, 404);
    await rejects(spec({ base: { modelId: 'nope' } }), '/base/modelId', h, 404);
  });

  it('fineTune without a base is refused', async () => {
    await rejects(spec({ fineTune: { epochs: 1 } }), '/fineTune');
  });

  it('epochs over MAX_EPOCHS name the limit', async () => {
    const ok = await postJob(spec({ fit: { epochs: 5 } }), limited);
    expect(ok.statusCode).toBe(201);
    const err = await rejects(spec({ fit: { epochs: 6 } }), '/fit/epochs', limited);
    const detail = err.details.find((d) => d.path === '/fit/epochs')!;
    expect(detail.message).toContain('5');
    expect(detail.message).toContain('MAX_EPOCHS');
    // The same spec passes under the default limit.
    expect((await postJob(spec({ fit: { epochs: 6 } }))).statusCode).toBe(201);
  });

  it('an invalid JSON body is a 400 with the error shape', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: '{"name": "x", ' });
    errorBody(res, 400);
    const empty = await h.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: '' });
    errorBody(empty, 400);
    const wrongType = await h.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: '[1,2,3]' });
    errorBody(wrongType, 400);
  });

  it('an invalid JSON body over real HTTP is a 400 too', async () => {
    const res = await fetch(`${h.baseUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fit": ' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ error: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  });

  it('unknown and malformed ids are 404 everywhere, with the error shape', async () => {
    const id = randomUUID();
    const requests: Array<{ method: 'GET' | 'POST'; url: string; payload?: object }> = [
      { method: 'GET', url: `/jobs/${id}` },
      { method: 'GET', url: '/jobs/not-a-uuid' },
      { method: 'GET', url: `/jobs/${id}/metrics` },
      { method: 'GET', url: '/jobs/not-a-uuid/metrics' },
      { method: 'GET', url: `/jobs/${id}/diagnostics` },
      { method: 'GET', url: `/jobs/${id}/events` },
      { method: 'GET', url: '/jobs/not-a-uuid/events' },
      { method: 'POST', url: `/jobs/${id}/cancel` },
      { method: 'POST', url: '/jobs/not-a-uuid/cancel' },
      { method: 'GET', url: `/models/${id}` },
      { method: 'GET', url: '/models/not-a-uuid' },
      { method: 'GET', url: `/models/${id}/artifact/model.json` },
      { method: 'GET', url: `/models/${id}/artifact/weights.bin` },
      { method: 'GET', url: `/models/${id}/export?format=onnx` },
      { method: 'GET', url: '/models/not-a-uuid/export?format=tfjs' },
      { method: 'POST', url: `/models/${id}/predict`, payload: { inputs: [[0, 1]] } },
      { method: 'GET', url: `/datasets/${id}` },
    ];
    for (const r of requests) {
      const res = await h.app.inject(r);
      const body = errorBody(res, 404);
      expect(body.error, `${r.method} ${r.url}`).toBe('not_found');
    }
  });

  it('an unknown route is a 404 with the error shape', async () => {
    const body = errorBody(await h.app.inject({ method: 'GET', url: '/no-such-thing' }), 404);
    expect(body.error).toBe('not_found');
  });

  it('GET /health reports ok for every part', () => expectHealthy(h, 'postgres'));

  it('GET /docs serves Swagger UI and /docs/json documents the paths', async () => {
    const docs = await fetch(`${h.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toMatch(/swagger/i);

    const json = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/jobs', '/jobs/{id}', '/jobs/{id}/cancel', '/datasets', '/models', '/models/{id}/predict', '/health']) {
      expect(Object.keys(doc.paths), p).toContain(p);
    }
    expect(doc.paths['/jobs'].post).toBeDefined();
    expect(doc.paths['/jobs'].get).toBeDefined();
  });
});

describe.each(QUEUE_BACKENDS.slice(1))('GET /health ($name queue)', ({ name, redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
  });
  afterAll(async () => h?.close());

  it('reports ok for every part', () => expectHealthy(h, name));
});
