import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../../src/core/principal.js';
import { ApiError, TrainingClient, type JobEvent } from '../../src/sdk/index.js';
import { parseSse, type SseMessage } from '../../src/sdk/sse.js';
import { revokeApiKey } from '../../src/features/tenants/api-keys.js';
import { exampleModelImport } from '../../src/schemas/examples.js';
import { startHarness, waitUntil, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';

/**
 * Walks every route the app registered (and checks that the OpenAPI document has no route
 * beyond them) with no key, a revoked key, a viewer key and another tenant's key, and asserts
 * 401 / 403 / 404 as API.md says, and that tenant A's ids never appear in anything tenant B gets.
 */

type Op = { requestBody?: { content?: Record<string, { example?: unknown; schema?: { examples?: unknown[] } }> } };

let h: Harness;
let adminKey: string;
let a: TenantKeys;
let b: TenantKeys;
let revokedKey: string;
/** Tenant A's resources: what tenant B must never see. */
const owned = { datasetId: '', jobId: '', modelId: '', studyId: '' };
let routes: Array<[string, string, Access]>;
let doc: { paths: Record<string, Record<string, Op>> };

const toOpenApi = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Fills a route's parameters with tenant A's ids (a random id where the resource is not known here). */
function concrete(url: string): string {
  const ids: Record<string, string> = { jobs: owned.jobId, datasets: owned.datasetId, models: owned.modelId, studies: owned.studyId, keys: a.memberKeyId };
  const parts = url.split('/');
  return parts
    .map((part, i) => {
      if (part === ':file') return 'weights.bin';
      if (part === ':tenantId') return b.tenantId;
      if (!part.startsWith(':')) return part;
      return ids[parts[i - 1]] || randomUUID();
    })
    .join('/');
}

/** A body that passes the route's schema, so a refusal is about who asks, not what. */
function bodyFor(method: string, url: string): unknown {
  if (method === 'GET' || method === 'DELETE' || method === 'HEAD') return undefined;
  if (url === '/jobs') return tinyJobSpec(owned.datasetId);
  const content = doc.paths[toOpenApi(url)]?.[method.toLowerCase()]?.requestBody?.content?.['application/json'];
  return content?.example ?? content?.schema?.examples?.[0] ?? {};
}

const isStream = (method: string, url: string) => JSON.stringify(doc.paths[toOpenApi(url)]?.[method.toLowerCase()] ?? {}).includes('text/event-stream');

/** Calls a route (`route` as registered, `/jobs/:id`); an event stream is read only up to its status line, then dropped. */
async function call(method: string, route: string, key?: string): Promise<{ status: number; body: string }> {
  const headers = key ? bearer(key) : {};
  const url = concrete(route);
  if (isStream(method, route)) {
    return new Promise((resolve, reject) => {
      const req = http.get(`${h.baseUrl}${url}`, { headers }, (res) => {
        if (res.statusCode === 200) {
          req.destroy();
          return resolve({ status: 200, body: '' });
        }
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
  }
  const payload = bodyFor(method, route) as Record<string, unknown> | undefined;
  const res = await h.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
  return { status: res.statusCode, body: res.body };
}

/** Fails if `body` holds an id of tenant A, other than those the caller itself sent (`asked`, echoed by a 404). */
function expectNoneOf(body: string, where: string, asked = '') {
  for (const [what, id] of Object.entries(owned)) {
    if (asked.includes(id)) continue;
    expect(body.includes(id), `${where} leaks tenant A's ${what} ${id}: ${body.slice(0, 300)}`).toBe(false);
  }
}

beforeAll(async () => {
  h = await startHarness();
  adminKey = await bootstrapAdmin(h);
  a = await makeTenant(h, adminKey, 'alpha');
  b = await makeTenant(h, adminKey, 'beta');
  const revoked = await h.app.inject({ method: 'POST', url: '/admin/keys', headers: bearer(adminKey), payload: { tenantId: a.tenantId, role: 'admin' } });
  revokedKey = revoked.json().key;
  expect((await h.app.inject({ method: 'DELETE', url: `/admin/keys/${revoked.json().id}`, headers: bearer(adminKey) })).statusCode).toBe(204);

  const as = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: bearer(a.member), payload: payload as object });
  owned.datasetId = (await as('/datasets', tinyDatasetBody('alpha-data'))).json().id;
  owned.modelId = (await as('/models', { ...exampleModelImport, name: 'alpha-model' })).json().id;
  const job = await as('/jobs', tinyJobSpec(owned.datasetId));
  expect(job.statusCode, job.body).toBe(201);
  owned.jobId = job.json().id;
  // A study on A's dataset (no worker here: its controller just waits on the study queue).
  const study = await as('/studies', { base: tinyJobSpec(owned.datasetId), parameters: { '/fit/seed': [1, 2] }, method: 'grid' });
  expect(study.statusCode, study.body).toBe(201);
  owned.studyId = study.json().id;

  doc = h.app.swagger() as never;
  routes = [...h.app.authState.routes].map(([route, access]) => [...(route.split(' ') as [string, string]), access]);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('every route declares who may call it', () => {
  it('every operation of the OpenAPI document is a route with an access rule', () => {
    const declared = new Set(routes.map(([m, u]) => `${m} ${toOpenApi(u)}`));
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ops.length).toBeGreaterThan(15);
    expect(ops.filter((op) => !declared.has(op))).toEqual([]);
  });

  it('health and docs are public; the admin routes are admin-only', () => {
    const access = new Map(routes.map(([m, u, x]) => [`${m} ${u}`, x]));
    expect(access.get('GET /health')).toBe('public');
    expect(access.get('GET /docs/json')).toBe('public');
    for (const [route, x] of access) if (route.split(' ')[1].startsWith('/admin/')) expect(x, route).toBe('admin');
  });
});

describe('walking every route', () => {
  const walk = () => routes.filter(([method, , access]) => access !== 'public' && method !== 'HEAD');

  it('(a) without a key: 401 unauthorized', async () => {
    for (const [method, url] of walk()) {
      const res = await call(method, url);
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(JSON.parse(res.body).error).toBe('unauthorized');
    }
  });

  it('(b) with a revoked key: 401 unauthorized', async () => {
    for (const [method, url] of walk()) {
      const res = await call(method, url, revokedKey);
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(JSON.parse(res.body).error).toBe('unauthorized');
    }
  });

  it('(c) with a viewer key: 403 forbidden for every write and admin route, and reads of its own tenant work', async () => {
    for (const [method, url, access] of walk()) {
      const res = await call(method, url, a.viewer);
      if (access === 'read') expect([401, 403], `${method} ${url}: ${res.body}`).not.toContain(res.status);
      else {
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(JSON.parse(res.body).error).toBe('forbidden');
      }
    }
    expect((await call('GET', '/jobs/:id', a.viewer)).status).toBe(200);
  });

  it("(d) with another tenant's key: 404 for every id of tenant A, 403 for admin routes, and A's ids appear nowhere", async () => {
    let notFound = 0;
    for (const [method, url, access] of walk()) {
      const res = await call(method, url, b.member);
      const where = `${method} ${url}`;
      if (access === 'admin') expect(res.status, where).toBe(403);
      else if (url.includes(':') || Object.values(owned).some((id) => JSON.stringify(bodyFor(method, url) ?? '').includes(id))) {
        expect(res.status, `${where}: ${res.body}`).toBe(404);
        notFound++;
      } else expect([401, 403, 404, 500], `${where}: ${res.body}`).not.toContain(res.status);
      expectNoneOf(res.body, where, concrete(url) + JSON.stringify(bodyFor(method, url) ?? ''));
    }
    expect(notFound).toBeGreaterThan(8);
  });

  it("another tenant cannot use A's dataset or A's model as a base in a spec: 404 naming the field", async () => {
    const own = (await h.app.inject({ method: 'POST', url: '/datasets', headers: bearer(b.member), payload: tinyDatasetBody('beta-data') })).json().id;
    const cases: Array<[object, string]> = [
      [tinyJobSpec(owned.datasetId), '/dataset/id'],
      [tinyJobSpec(own, { evaluate: { dataset: { id: owned.datasetId } } }), '/evaluate/dataset/id'],
      [tinyJobSpec(own, { base: { modelId: owned.modelId, dropLast: 1 } }), '/base/modelId'],
    ];
    for (const [spec, path] of cases) {
      const res = await h.app.inject({ method: 'POST', url: '/jobs', headers: bearer(b.member), payload: spec });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
      expectNoneOf(res.body, `POST /jobs ${path}`, JSON.stringify(spec));
    }
  });

  it("listings of another tenant hold none of A's data; A's hold A's; an admin's hold everyone's", async () => {
    for (const url of ['/jobs', '/models', '/jobs?status=queued', '/studies', `/jobs?studyId=${owned.studyId}`]) {
      const other = await call('GET', url, b.member);
      expect(other.status).toBe(200);
      expectNoneOf(other.body, `GET ${url}`);
    }
    expect((await call('GET', '/jobs', a.viewer)).body).toContain(owned.jobId);
    expect((await call('GET', '/models', a.member)).body).toContain(owned.modelId);
    expect((await call('GET', '/studies', a.viewer)).body).toContain(owned.studyId);
    expect((await call('GET', '/studies', adminKey)).body).toContain(owned.studyId);
    expect((await call('GET', '/jobs', adminKey)).body).toContain(owned.jobId);
  });

  it('the audit log records who created what, and only admins read it', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/admin/audit?tenantId=${a.tenantId}`, headers: bearer(adminKey) });
    expect(res.statusCode).toBe(200);
    const actions = res.json().items.map((e: { action: string; resource: string; resourceId: string }) => `${e.action} ${e.resource} ${e.resourceId}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `create job ${owned.jobId}`,
        `create dataset ${owned.datasetId}`,
        `create model ${owned.modelId}`,
        `create study ${owned.studyId}`,
      ]),
    );
  });
});

/** Reads the event stream of tenant A's job (queued for good: no worker here) with `key`, until it ends or `close()`. */
function follow(key: string) {
  const controller = new AbortController();
  const events: SseMessage[] = [];
  let ended = false;
  const done = (async () => {
    const res = await fetch(`${h.baseUrl}/jobs/${owned.jobId}/events`, { headers: bearer(key), signal: controller.signal });
    expect(res.status).toBe(200);
    for await (const message of parseSse(res.body!)) events.push(message);
    ended = true;
  })().catch((err) => {
    if (!controller.signal.aborted) throw err;
  });
  return { events, done, isEnded: () => ended, close: () => controller.abort() };
}

/** `promise`, or a failure naming `what` after `ms`: a stream that never ends must not hang the test. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('an event stream does not outlive its key', () => {
  it("revoking a key ends the streams opened with it, with the reason, on this instance and any other; the tenant's other keys' streams go on", async () => {
    const newMemberKey = async () => {
      const res = await h.app.inject({ method: 'POST', url: '/admin/keys', headers: bearer(adminKey), payload: { tenantId: a.tenantId, role: 'member' } });
      expect(res.statusCode).toBe(201);
      return res.json() as { id: string; key: string };
    };
    const here = await newMemberKey();
    const elsewhere = await newMemberKey();
    const revokedHere = follow(here.key);
    const kept = follow(a.viewer);
    // The SDK's reader on a key that another API instance revokes.
    const sdkEvents: JobEvent[] = [];
    const watched = (async () => {
      for await (const event of new TrainingClient({ baseUrl: h.baseUrl, apiKey: elsewhere.key }).watchJob(owned.jobId, { reconnectDelayMs: 10 }))
        sdkEvents.push(event);
    })();
    watched.catch(() => {});
    await waitUntil(async () => revokedHere.events.length > 0 && kept.events.length > 0 && sdkEvents.length > 0, 15_000);

    expect((await h.app.inject({ method: 'DELETE', url: `/admin/keys/${here.id}`, headers: bearer(adminKey) })).statusCode).toBe(204);
    // What DELETE /admin/keys/:id does on another API instance: only the row tells this one.
    await revokeApiKey(h.db, elsewhere.id);

    await within(revokedHere.done, 15_000, 'the stream of the key revoked through this instance did not end');
    expect(revokedHere.isEnded()).toBe(true);
    expect(revokedHere.events.at(-1)).toEqual({
      event: 'error',
      data: JSON.stringify({ error: 'unauthorized', message: 'the API key was revoked', details: [] }),
    });
    // Read without the final status: the SDK gives up with the reason instead of reconnecting.
    const error = await within(
      watched.then(
        () => null,
        (err: unknown) => err,
      ),
      15_000,
      'the SDK stream of the key revoked elsewhere did not end',
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: 'the API key was revoked' });
    expect(sdkEvents.map((e) => e.event)).toEqual(['status']);

    // Both revocations were seen (the second through a check that read every watched key): the other key's stream is still open.
    expect(kept.isEnded()).toBe(false);
    expect(kept.events.map((e) => e.event)).toEqual(['status']);
    kept.close();
    await kept.done;
  }, 60_000);
});
