import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFashionJob, startHarness, type Harness } from '../support/harness.js';

/** Input that once reached the database or was silently converted: each is now a 400 naming the field. */
describe('bad input is refused before it is stored', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  async function expect400(method: 'POST' | 'GET', url: string, payload: unknown, path: string) {
    const res = await h.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body.details.map((d: { path: string }) => d.path)).toContain(path);
  }

  it('values of the wrong JSON type are refused, not coerced', async () => {
    const spec = smallFashionJob() as any;
    await expect400('POST', '/jobs', { ...spec, fit: { ...spec.fit, epochs: '1' } }, '/fit/epochs');
    await expect400('POST', '/jobs', { ...spec, dataset: { ...spec.dataset, seed: null } }, '/dataset/seed');
    const layers = structuredClone(spec.model.layers);
    layers[1].units = true;
    await expect400('POST', '/jobs', { ...spec, model: { layers } }, '/model/layers/1/units');
    await expect400('POST', '/datasets', { name: 'x', features: [[1]], labels: null }, '/labels');
  });

  it('querystrings are still read as the types their schema asks for', async () => {
    const res = await h.app.inject({ url: '/jobs?limit=2' });
    expect(res.statusCode).toBe(200);
  });

  it('a NUL character or a lone surrogate anywhere is a 400 with its path, not a database error', async () => {
    await expect400('POST', '/datasets', { name: 'a\u0000b', features: [[1]], labels: [0] }, '/name');
    await expect400('POST', '/jobs', { ...smallFashionJob(), name: '\ud800' }, '/name');
    await expect400('GET', '/models?name=a%00b', undefined, '/querystring/name');
  });

  it('a label that would overflow the class count is a 400', async () => {
    await expect400('POST', '/datasets', { name: 'x', features: [[1]], labels: [2147483647] }, '/labels/0');
  });

  it('a hand-made cursor is a 400, not a database error', async () => {
    const cursor = Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', 'x'])).toString('base64url');
    await expect400('GET', `/jobs?cursor=${cursor}`, undefined, '/querystring/cursor');
    await expect400('GET', `/models?cursor=${cursor}`, undefined, '/querystring/cursor');
  });

  it('a tenant id that is not a UUID in the audit filter is a 400 naming it, not a database error', async () => {
    await expect400('GET', '/admin/audit?tenantId=nope', undefined, '/querystring/tenantId');
  });

  it('a malformed weightsManifest on import is a 400 naming the entry', async () => {
    await expect400('POST', '/models', { modelJson: { modelTopology: {}, weightsManifest: 5 }, weights: '' }, '/modelJson/weightsManifest');
    await expect400('POST', '/models', { modelJson: { modelTopology: {}, weightsManifest: [null] }, weights: '' }, '/modelJson/weightsManifest/0/weights');
    await expect400('POST', '/models', { modelJson: { modelTopology: {}, weightsManifest: [{ paths: ['x'], weights: [{ name: 'a' }] }] }, weights: '' }, '/modelJson/weightsManifest/0/weights/0/shape');
    // An inherited name is not a dtype.
    await expect400('POST', '/models', { modelJson: { modelTopology: {}, weightsManifest: [{ paths: ['x'], weights: [{ name: 'a', shape: [1], dtype: 'toString' }] }] }, weights: '' }, '/modelJson/weightsManifest/0/weights/0/dtype');
  });
});

describe('multipart fields are checked too', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('a NUL character in a CSV upload field is a 400 naming it', async () => {
    const form = new FormData();
    form.append('name', 'bad\u0000name');
    form.append('labelColumn', 'y');
    form.append('file', new Blob(['a,y\n1,0\n2,1\n']), 'x.csv');
    const res = await fetch(`${h.baseUrl}/datasets`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect((await res.json()).details.map((d: { path: string }) => d.path)).toContain('/name');
  });
});

/**
 * The keyless local mode (no key exists, loopback HOST) trusts whoever reaches it; a web page in
 * the user's browser reaches it too. Rebinding (a foreign Host) and cross-site writes are refused.
 */
describe('keyless local mode: a web page cannot drive the service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('a foreign Host (DNS rebinding) is a 421 on every route, and no admin key is created', async () => {
    for (const [method, url] of [['POST', '/admin/keys'], ['GET', '/jobs'], ['GET', '/health']] as const) {
      const res = await h.app.inject({ method, url, headers: { host: 'evil.example:3000' }, ...(method === 'POST' ? { payload: { tenantId: 'default', role: 'admin' } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(421);
      expect(res.json().details[0].path).toBe('/headers/host');
    }
    expect(await h.db.apiKey.count()).toBe(0);
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'app.localhost']) {
      expect((await h.app.inject({ url: '/jobs', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('state-changing requests from another site are a 403 naming the header; reads and same-origin writes are served', async () => {
    const job = (await h.app.inject({ method: 'POST', url: '/jobs', payload: smallFashionJob({ fit: { epochs: 1, batchSize: 32 } }) })).json();
    const evil = { origin: 'http://evil.example', host: '127.0.0.1:3000' };
    const cancel = await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: evil });
    expect(cancel.statusCode).toBe(403);
    expect(cancel.json().details[0].path).toBe('/headers/origin');
    const boundary = 'x';
    const upload = await h.app.inject({
      method: 'POST',
      url: '/datasets',
      headers: { ...evil, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nx,label\n1,0\n2,1\n\r\n--${boundary}--\r\n`,
    });
    expect(upload.statusCode).toBe(403);
    expect(await h.db.dataset.count()).toBe(0);
    const crossSite = await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().details[0].path).toBe('/headers/sec-fetch-site');
    expect((await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: { origin: 'null' } })).statusCode).toBe(403);
    // Reading is not refused (the browser keeps another site's page from seeing the answer).
    expect((await h.app.inject({ url: `/jobs/${job.id}`, headers: evil })).statusCode).toBe(200);
    // The dashboard's own page, and a local development server, may.
    const own = await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000', 'sec-fetch-site': 'same-origin' } });
    expect([202, 409]).toContain(own.statusCode);
  });
});
