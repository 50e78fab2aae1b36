import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFashionJob, startHarness, type Harness } from '../support/harness.js';

// The refusals of bad input before it is stored (wrong JSON types, NUL and lone surrogates,
// hand-made cursors, manifests, a NUL in a CSV field) are status-and-field checks: they are
// cases of the abuse corpus (test/support/abuse-corpus.ts, round 'input hardening').

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
    for (const [method, url] of [
      ['POST', '/admin/keys'],
      ['GET', '/jobs'],
      ['GET', '/health'],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        headers: { host: 'evil.example:3000' },
        ...(method === 'POST' ? { payload: { tenantId: 'default', role: 'admin' } } : {}),
      });
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
    const own = await h.app.inject({
      method: 'POST',
      url: `/jobs/${job.id}/cancel`,
      headers: { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000', 'sec-fetch-site': 'same-origin' },
    });
    expect([202, 409]).toContain(own.statusCode);
  });
});
