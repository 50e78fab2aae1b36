import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as Verifier } from 'standardwebhooks';
import { QUEUE_BACKENDS, startHarness, waitUntil, waitForJob, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';
import { queueSettings } from '../../src/start/queue-settings.js';
import { startWebhookDelivery } from '../../src/start/webhooks.js';
import { createWebhookQueue } from '../../src/infra/queue/webhook-queue.js';
import type { Closer } from '../../src/start/shutdown.js';
import type { Dispatcher } from '../../src/features/webhooks/dispatcher.js';
import { runCli } from '../../src/cli/commands.js';
import { TrainingClient } from '../../src/sdk/index.js';
import { verifyWebhook } from '../../src/sdk/verify-webhook.js';
import { protectWebhookSecrets } from '../../src/start/webhook-secrets.js';
import { toStored, UNREADABLE_SECRET } from '../../src/features/webhooks/stored-secrets.js';
import { MAX_WEBHOOKS_PER_TENANT } from '../../src/features/webhooks/webhooks.js';

/**
 * Webhooks end to end, against a real receiver on 127.0.0.1 (the only host the allow list names):
 * signatures checked with the standardwebhooks library, retries on a fast schedule, a receiver
 * that never answers, tenants kept apart. Deliveries run in this process (as the worker process
 * runs them); the one training job's end is delivered by a real worker process. The first part
 * runs on the last queue backend (Redis when REDIS_URL is set); the second, on PostgreSQL's, how
 * the dispatcher is woken (notifications, its poll, its LISTEN connection coming back) and the retries.
 */

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** A receiver: /ok answers 200, /flaky 500 twice then 200, /down always 503, /hang never answers. */
async function startReceiver() {
  const received: Received[] = [];
  let flaky = 0;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body, at: Date.now() });
      if (req.url === '/hang') return void hanging.add(res);
      if (req.url === '/flaky' && ++flaky <= 2) return void res.writeHead(500).end('not yet');
      if (req.url === '/down') return void res.writeHead(503).end('down');
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** SECRETS_KEY set: the API (in this process) seals the secrets, and every delivery runner opens them. */
const ENV = { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '0.2,0.2', WEBHOOK_TIMEOUT_S: '1', SECRETS_KEY: randomBytes(32).toString('hex') };

/**
 * The dispatcher's poll in this process: a minute, longer than any wait here, so what it delivers
 * in time it dispatched on a notification (or at its start).
 */
const POLL_MS = 60_000;

async function setUp(backend: (typeof QUEUE_BACKENDS)[number]) {
  const h = await startHarness({ redisUrl: backend.redisUrl, env: ENV });
  const admin = await bootstrapAdmin(h);
  const a = await makeTenant(h, admin, 'alpha');
  const b = await makeTenant(h, admin, 'beta');
  const receiver = await startReceiver();
  const delivery = startWebhookDelivery(h.config, queueSettings(h.config), h.db, { pollMs: POLL_MS });
  return { h, a, b, receiver, delivery };
}

async function tearDown(s: { h: Harness; receiver: { close(): Promise<void> }; delivery: Closer } | undefined) {
  if (!s) return;
  await s.delivery.close();
  await s.receiver.close();
  const queue = createWebhookQueue(queueSettings(s.h.config));
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await s.h.close();
}

const call = (h: Harness, key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  h.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

/**
 * A study of the tenant that ends cancelled: the row change POST /studies/:id/cancel makes, made
 * here directly (the trigger fires on the change, whoever makes it), so these tests need no spec
 * checks in threads; the job test below goes through the API and a worker.
 */
async function cancelledStudy(h: Harness, t: TenantKeys): Promise<string> {
  const study = await h.db.study.create({
    data: { tenantId: t.tenantId, method: 'grid', metric: 'loss', mode: 'min', request: {}, plan: [], trialCount: 0, maxConcurrent: 1 },
  });
  await h.db.study.update({ where: { id: study.id }, data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date() } });
  return study.id;
}

const backend = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1];

describe(`webhooks (queue on ${backend.name})`, () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let worker: Promise<unknown>;
  beforeAll(async () => {
    s = await setUp(backend);
    // Started now, awaited by the one test that trains: it warms while the others run.
    worker = s.h.startWorker(ENV);
    worker.catch(() => {});
  }, 60_000);
  afterAll(() => tearDown(s), 60_000);

  it('is created by a member (the secret shown once), read by a viewer, and invisible to another tenant', async () => {
    const { h, a, b, receiver } = s;
    expect((await call(h, a.viewer, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.failed'] })).statusCode).toBe(403);
    const created = await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.failed'], description: 'ci' });
    expect(created.statusCode, created.body).toBe(201);
    const hook = created.json();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook).toMatchObject({ url: receiver.url('/ok'), events: ['job.failed'], enabled: true });
    const read = await call(h, a.viewer, 'GET', `/webhooks/${hook.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().secret).toBeUndefined();
    expect((await call(h, a.viewer, 'GET', '/webhooks')).json().items.map((w: { id: string }) => w.id)).toEqual([hook.id]);
    // Tenant B: not in its list, and every route on the id is a 404, reads and writes alike.
    expect((await call(h, b.member, 'GET', '/webhooks')).json().items).toEqual([]);
    for (const [method, url, payload] of [
      ['GET', `/webhooks/${hook.id}`],
      ['PATCH', `/webhooks/${hook.id}`, { description: 'mine now' }],
      ['POST', `/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/webhooks/${hook.id}/deliveries`],
      ['DELETE', `/webhooks/${hook.id}`],
    ] as const) {
      expect((await call(h, b.member, method, url, payload)).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call(h, a.viewer, 'DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(403);
    expect((await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await call(h, a.viewer, 'GET', `/webhooks/${hook.id}`)).statusCode).toBe(404);
  });

  it('refuses a destination off the allow list with a 400 naming the rule, before any connection', async () => {
    const { h, a, receiver } = s;
    const before = receiver.received.length;
    const port = new URL(receiver.url('/')).port;
    for (const [url, rule] of [
      [`http://127.0.0.2:${port}/ok`, 'loopback'],
      [`http://[::1]:${port}/ok`, 'loopback'],
      [`http://[::ffff:127.0.0.1]:${port}/ok`, 'ipv4-mapped'],
      [`http://0.0.0.0:${port}/ok`, 'unspecified'],
      // A name is resolved and each of its addresses checked: localhost is not on the list.
      [`http://localhost:${port}/ok`, 'loopback'],
      [`ftp://127.0.0.1:${port}/ok`, 'scheme'],
      [`http://user:pw@127.0.0.1:${port}/ok`, 'credentials'],
    ]) {
      const res = await call(h, a.member, 'POST', '/webhooks', { url, events: ['job.succeeded'] });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toContain(`${rule} rule`);
      expect(res.json().details).toEqual([{ path: '/url', message: `refused by the ${rule} rule` }]);
    }
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.succeeded'] })).json();
    const patched = await call(h, a.member, 'PATCH', `/webhooks/${hook.id}`, { url: `http://127.0.0.2:${port}/ok` });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().message).toContain('loopback rule');
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
    expect(receiver.received.length).toBe(before);
  });

  it('is managed from the CLI and the SDK', async () => {
    const { h, a, receiver } = s;
    const cli = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
      const code = await runCli([...argv, '--url', h.baseUrl, '--api-key', a.member], io);
      return { code, stdout, stderr };
    };
    const created = await cli('webhooks', 'create', receiver.url('/ok'), '--event', 'job.failed', '--event', 'model.created', '--description', 'from the cli');
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.split(/\s+/)[0];
    expect(created.stdout).toMatch(/secret: whsec_/);
    expect((await cli('webhooks', 'list')).stdout).toContain(`${id}  enabled   job.failed,model.created  ${receiver.url('/ok')}  (from the cli)`);
    const refused = await cli('webhooks', 'create', 'http://127.0.0.2/', '--event', 'job.failed');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('loopback rule');
    expect((await cli('webhooks', 'create', receiver.url('/ok'))).code, 'no --event').toBe(2);

    const sdk = new TrainingClient({ baseUrl: h.baseUrl, apiKey: a.member });
    expect((await sdk.updateWebhook(id, { enabled: false })).disabledReason).toBe('disabled by PATCH enabled: false');
    expect((await sdk.getWebhook(id)).enabled).toBe(false);
    expect(await sdk.listWebhookDeliveries(id)).toEqual([]);
    const enabled = await cli('webhooks', 'enable', id);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toContain(`${id}  enabled `);
    expect((await sdk.getWebhook(id)).disabledAt).toBeNull();
    expect((await cli('webhooks', 'disable', id)).stdout).toContain(`${id}  DISABLED`);
    expect((await cli('webhooks', 'delete', id)).code).toBe(0);
    await expect(sdk.getWebhook(id)).rejects.toMatchObject({ status: 404 });
  });

  it('retries a receiver that fails twice, times out one that never answers without holding up the others, and keeps tenants apart', async () => {
    const { h, a, b, receiver } = s;
    const make = async (key: string, path: string) =>
      (await call(h, key, 'POST', '/webhooks', { url: receiver.url(path), events: ['study.cancelled'] })).json();
    const flaky = await make(a.member, '/flaky');
    const hang = await make(a.member, '/hang');
    const ok = await make(a.member, '/ok');
    const other = await make(b.member, '/ok');
    const studyId = await cancelledStudy(h, a);

    // Every webhook on the event gets it; the healthy one at once, whatever the hanging one does.
    await waitUntil(async () => receiver.received.some((r) => r.path === '/ok' && JSON.parse(r.body).data.id === studyId), 10_000);
    const okAt = receiver.received.find((r) => r.path === '/ok')!.at;
    const log = async (hookId: string, key = a.viewer) => (await call(h, key, 'GET', `/webhooks/${hookId}/deliveries`)).json().items;
    const [okDelivery] = await log(ok.id);
    await waitUntil(async () => receiver.received.filter((r) => r.path === '/flaky').length >= 3, 20_000);
    const tries = receiver.received.filter((r) => r.path === '/flaky');
    expect(new Set(tries.map((r) => r.headers['webhook-id'])).size, 'every attempt is the same message').toBe(1);
    expect(new Set(tries.map((r) => r.body)).size).toBe(1);
    await waitUntil(async () => (await log(flaky.id))[0]?.status === 'succeeded', 10_000);
    const [flakyDelivery] = await log(flaky.id);
    expect(flakyDelivery).toMatchObject({ event: 'study.cancelled', status: 'succeeded', attempts: 3, responseStatus: 200, nextAttemptAt: null });
    expect(flakyDelivery.history.map((t: { responseStatus: number }) => t.responseStatus)).toEqual([500, 500, 200]);
    expect(flakyDelivery.responseMs).toBeGreaterThanOrEqual(0);

    // The one that never answers: each attempt ends at the timeout; retries spent, it failed for good.
    await waitUntil(async () => (await log(hang.id))[0]?.status === 'failed', 20_000);
    const [hung] = await log(hang.id);
    expect(hung.attempts).toBe(3);
    expect(hung.history.every((t: { error: string; responseStatus: null }) => t.error === 'no answer within 1 s' && t.responseStatus === null)).toBe(true);
    expect((await call(h, a.viewer, 'GET', `/webhooks/${hang.id}`)).json().failingSince).not.toBeNull();
    // Sent together, but the healthy receiver had it before the first hanging attempt gave up.
    expect(okAt).toBeLessThan(Date.parse(hung.history[0].at) + hung.history[0].responseMs);

    // B's webhook on the same event heard nothing of A's job; B cannot read or redeliver A's log.
    expect(await log(other.id, b.viewer)).toEqual([]);
    expect((await call(h, b.member, 'GET', `/webhooks/${ok.id}/deliveries`)).statusCode).toBe(404);
    expect((await call(h, b.member, 'POST', `/webhooks/${ok.id}/deliveries/${okDelivery.id}/redeliver`)).statusCode).toBe(404);
    expect((await call(h, b.member, 'POST', `/webhooks/${other.id}/deliveries/${okDelivery.id}/redeliver`)).statusCode).toBe(404);
    for (const hook of [flaky, hang, ok]) await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
    await call(h, b.member, 'DELETE', `/webhooks/${other.id}`);
  }, 60_000);

  it('disables a webhook whose every attempt has failed for WEBHOOK_DISABLE_AFTER_S, says why, and takes it back on PATCH enabled', async () => {
    const { h, a, receiver } = s;
    const down = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/down'), events: ['study.cancelled'] })).json();
    // Failing for six days already (the default limit is five).
    await h.db.webhook.update({ where: { id: down.id }, data: { failingSince: new Date(Date.now() - 6 * 86400_000) } });
    await cancelledStudy(h, a);
    const read = async () => (await call(h, a.viewer, 'GET', `/webhooks/${down.id}`)).json();
    await waitUntil(async () => (await read()).enabled === false, 20_000);
    expect((await read()).disabledReason).toMatch(/^every delivery attempt since .* failed \(WEBHOOK_DISABLE_AFTER_S=432000\); last: answered 503$/);
    // Its retry finds it disabled and ends the delivery; a new event makes none.
    const log = async () => (await call(h, a.viewer, 'GET', `/webhooks/${down.id}/deliveries`)).json().items;
    await waitUntil(async () => (await log())[0]?.status === 'failed', 10_000);
    expect((await log())[0]).toMatchObject({ attempts: 1, error: 'the webhook is disabled' });
    await cancelledStudy(h, a);
    expect(await log()).toHaveLength(1);
    const enabled = await call(h, a.member, 'PATCH', `/webhooks/${down.id}`, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
  }, 30_000);

  it('sends job.warning once per new diagnosis warning, with its kind and fix', async () => {
    const { h, a, receiver } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.warning'] })).json();
    const run = await h.db.run.create({ data: { tenantId: a.tenantId, spec: {}, status: 'running' } });
    const warning = (kind: string, layer: string) => ({
      id: `${kind}:${layer}`,
      epoch: 1,
      kind,
      layer,
      severity: 'warning',
      message: `${kind} in ${layer}`,
      advice: 'change it',
      evidence: {},
      fix: [{ op: 'replace', path: '/compile/optimizer/learningRate', value: 0.001 }],
    });
    // As a training process records them after each epoch: the whole list, one more each time.
    const first = warning('exploding_gradients', 'dense_1');
    await h.db.run.update({ where: { id: run.id }, data: { diagnosticWarnings: [first] } });
    await h.db.run.update({ where: { id: run.id }, data: { diagnosticWarnings: [first, warning('dead_relu', 'dense_2')] } });
    const bodies = () => receiver.received.filter((r) => r.body.includes('"job.warning"') && r.body.includes(run.id)).map((r) => JSON.parse(r.body));
    await waitUntil(async () => bodies().length >= 2, 10_000);
    expect(
      bodies()
        .map((b) => b.data.warning.kind)
        .sort(),
    ).toEqual(['dead_relu', 'exploding_gradients']);
    expect(bodies()[0].data).toMatchObject({ id: run.id, status: 'running', warning: { fix: first.fix, layer: expect.any(String) } });
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
  });

  it('holds a tenant to its webhook limit under concurrent creations: exactly the room left is created', async () => {
    const { h, b, receiver } = s;
    const existing = await h.db.webhook.count({ where: { tenantId: b.tenantId } });
    const room = MAX_WEBHOOKS_PER_TENANT - existing;
    const answers = await Promise.all(
      Array.from({ length: room + 5 }, () => call(h, b.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.failed'] })),
    );
    const created = answers.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(room);
    for (const refused of answers.filter((r) => r.statusCode !== 201)) {
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().message).toContain(`at most ${MAX_WEBHOOKS_PER_TENANT} webhooks`);
    }
    expect(await h.db.webhook.count({ where: { tenantId: b.tenantId } })).toBe(MAX_WEBHOOKS_PER_TENANT);
    for (const r of created) await call(h, b.member, 'DELETE', `/webhooks/${r.json().id}`);
  });

  it('sends job.failed, job.cancelled, study.succeeded and study.failed as the run or study ends, with its links, once each', async () => {
    const { h, a, receiver } = s;
    const events = ['job.failed', 'job.cancelled', 'study.succeeded', 'study.failed'];
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ends'), events })).json();
    // Ended as a worker and a study controller end them: one UPDATE of the status.
    const failed = await h.db.run.create({ data: { tenantId: a.tenantId, spec: {}, status: 'running', name: 'to-fail' } });
    const cancelled = await h.db.run.create({ data: { tenantId: a.tenantId, spec: {}, status: 'queued' } });
    await h.db.run.update({ where: { id: failed.id }, data: { status: 'failed', error: 'the loss became NaN at epoch 2', finishedAt: new Date() } });
    await h.db.run.update({ where: { id: cancelled.id }, data: { status: 'cancelled', finishedAt: new Date() } });
    const study = (status: string) =>
      h.db.study.create({
        data: { tenantId: a.tenantId, method: 'grid', metric: 'loss', mode: 'min', request: {}, plan: [], trialCount: 2, maxConcurrent: 1, name: status },
      });
    const [won, lost] = [await study('succeeded'), await study('failed')];
    await h.db.study.update({ where: { id: won.id }, data: { status: 'succeeded', finishedAt: new Date() } });
    await h.db.study.update({ where: { id: lost.id }, data: { status: 'failed', finishedAt: new Date() } });

    const bodies = () => receiver.received.filter((r) => r.path === '/ends').map((r) => JSON.parse(r.body));
    await waitUntil(async () => bodies().length >= 4, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const byType = Object.fromEntries(bodies().map((b) => [b.type, b.data]));
    expect(
      bodies()
        .map((b) => b.type)
        .sort(),
    ).toEqual([...events].sort());
    expect(byType['job.failed']).toMatchObject({
      id: failed.id,
      status: 'failed',
      name: 'to-fail',
      error: 'the loss became NaN at epoch 2',
      links: { self: `/jobs/${failed.id}` },
    });
    expect(byType['job.cancelled']).toMatchObject({ id: cancelled.id, status: 'cancelled', links: { self: `/jobs/${cancelled.id}` } });
    expect(byType['study.succeeded']).toMatchObject({ id: won.id, status: 'succeeded', trialCount: 2, links: { self: `/studies/${won.id}` } });
    expect(byType['study.failed']).toMatchObject({ id: lost.id, status: 'failed', links: { self: `/studies/${lost.id}` } });
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
  });

  it('sends job.warning for the warnings a job gets when it is accepted (selu without lecun_normal), once each', async () => {
    const { h, a, receiver } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.warning'] })).json();
    const dataset = (await call(h, a.member, 'POST', '/datasets', tinyDatasetBody('selu'))).json().id;
    const layers = [
      { type: 'Dense', units: 4, activation: 'selu', inputShape: [4] },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ];
    const accepted = await call(h, a.member, 'POST', '/jobs', tinyJobSpec(dataset, { model: { layers }, fit: { epochs: 1, batchSize: 16, seed: 1 } }));
    expect(accepted.statusCode, accepted.body).toBe(201);
    const kinds = (await call(h, a.member, 'GET', `/jobs/${accepted.json().id}`)).json().warnings.map((w: { kind: string }) => w.kind);
    expect(kinds).toContain('self_normalization');
    const bodies = () =>
      receiver.received.filter((r) => r.body.includes('"job.warning"') && r.body.includes(accepted.json().id)).map((r) => JSON.parse(r.body));
    await waitUntil(async () => bodies().length >= kinds.length, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(bodies().map((b) => b.data.warning.kind)).toEqual(kinds);
    expect(bodies()[0].data).toMatchObject({ id: accepted.json().id, warning: { kind: 'self_normalization', advice: expect.any(String) } });
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
    // Ended before the next test subscribes to job ends and model creations: they count this tenant's.
    await worker;
    await waitForJob(h, accepted.json().id, 120_000, bearer(a.viewer));
  });

  it('keeps secrets encrypted at rest, encrypts plain ones at the start, and fails the deliveries of one it cannot decrypt, saying why', async () => {
    const { h, a, receiver } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['study.cancelled'] })).json();
    const stored = () => h.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect((await stored()).secret).toMatch(/^enc:v1:/);
    expect((await stored()).secret).not.toContain(hook.secret.slice('whsec_'.length));

    // A row from before the key was set: the API's start encrypts it in place, once.
    await h.db.webhook.update({ where: { id: hook.id }, data: { secret: hook.secret } });
    const lines: string[] = [];
    const log = { info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
    await protectWebhookSecrets(h.config, h.db, log);
    await protectWebhookSecrets(h.config, h.db, log);
    expect(lines).toEqual(['info encrypted 1 webhook signing secrets in place with SECRETS_KEY (they were stored unencrypted)']);
    expect((await stored()).secret).toMatch(/^enc:v1:/);
    await protectWebhookSecrets({ SECRETS_KEY: undefined }, h.db, log);
    expect(lines[1]).toMatch(/^warn webhook signing secrets are stored unencrypted: set SECRETS_KEY/);
    const delivered = (studyId: string) => receiver.received.filter((r) => JSON.parse(r.body).data.id === studyId && r.path === '/ok');
    const first = await cancelledStudy(h, a);
    await waitUntil(async () => delivered(first).length > 0, 10_000);
    expect(() => new Verifier(hook.secret).verify(delivered(first)[0].body, delivered(first)[0].headers)).not.toThrow();

    // Sealed under another key: every attempt fails and says why; the API still reads the webhook.
    const otherKey = { SECRETS_KEY: randomBytes(32).toString('hex') };
    await h.db.webhook.update({ where: { id: hook.id }, data: { secret: toStored(otherKey, hook.id, hook.secret) } });
    const second = await cancelledStudy(h, a);
    const latest = async () => (await call(h, a.viewer, 'GET', `/webhooks/${hook.id}/deliveries`)).json().items[0];
    await waitUntil(async () => (await latest()).status === 'failed', 10_000);
    expect(await latest()).toMatchObject({ event: 'study.cancelled', status: 'failed', attempts: 3, responseStatus: null, error: UNREADABLE_SECRET });
    expect(delivered(second)).toEqual([]);
    // The key is this service's fault, not the receiver's: no failing streak that would disable the webhook.
    expect((await call(h, a.viewer, 'GET', `/webhooks/${hook.id}`)).json()).toMatchObject({ enabled: true, failingSince: null });

    // The way out without the old key: a rotation drops the unreadable secret, and signs with the new one alone.
    const rotated = await call(h, a.member, 'POST', `/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(Date.parse(rotated.json().previousSecretExpiresAt)).toBeLessThanOrEqual(Date.now());
    expect(await stored()).toMatchObject({ previousSecret: null, secret: expect.stringMatching(/^enc:v1:/) });
    const third = await cancelledStudy(h, a);
    await waitUntil(async () => delivered(third).length > 0, 10_000);
    const [after] = delivered(third);
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Verifier(rotated.json().secret).verify(after.body, after.headers)).not.toThrow();
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
  }, 30_000);

  it("delivers a job's end once, signed so the standardwebhooks library verifies it; redelivers; signs with both secrets after a rotation", async () => {
    const { h, a, b, receiver } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.succeeded', 'model.created'] })).json();
    const otherTenant = (await call(h, b.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['job.succeeded', 'model.created'] })).json();
    await worker;
    const dataset = (await call(h, a.member, 'POST', '/datasets', tinyDatasetBody('d'))).json().id;
    const jobId = (await call(h, a.member, 'POST', '/jobs', tinyJobSpec(dataset))).json().id;
    const job = await waitForJob(h, jobId, 120_000, bearer(a.viewer));
    expect(job.status).toBe('succeeded');

    const ends = () => receiver.received.filter((r) => r.body.includes('"job.succeeded"'));
    await waitUntil(async () => ends().length >= 1, 20_000);
    // Two delivery runners (this process and the worker's): still once.
    await new Promise((r) => setTimeout(r, 500));
    expect(ends()).toHaveLength(1);
    const [end] = ends();
    const verified = new Verifier(hook.secret).verify(end.body, end.headers) as { type: string; data: Record<string, unknown> };
    expect(verified.type).toBe('job.succeeded');
    expect(verified.data).toMatchObject({ id: jobId, status: 'succeeded', links: { self: `/jobs/${jobId}` } });
    expect(verified.data.modelId).toBe(job.modelId);
    expect(verifyWebhook(hook.secret, end.body, end.headers)).toEqual(verified);
    expect(() => new Verifier(otherTenant.secret).verify(end.body, end.headers)).toThrow();
    expect(() => new Verifier(hook.secret).verify(end.body.replace('succeeded', 'failed'), end.headers)).toThrow();
    await waitUntil(async () => receiver.received.some((r) => r.body.includes('"model.created"')), 10_000);
    // Tenant B's webhook on the same events got nothing of A's.
    const deliveriesOfB = (await call(h, b.viewer, 'GET', `/webhooks/${otherTenant.id}/deliveries`)).json().items;
    expect(deliveriesOfB).toEqual([]);

    const log = (await call(h, a.viewer, 'GET', `/webhooks/${hook.id}/deliveries?limit=10`)).json().items;
    const delivery = log.find((d: { event: string }) => d.event === 'job.succeeded');
    expect(delivery).toMatchObject({ id: end.headers['webhook-id'], status: 'succeeded', attempts: 1, responseStatus: 200 });

    const rotated = await call(h, a.member, 'POST', `/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    // Both secrets stay encrypted at rest: neither is in the row.
    const row = await h.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    for (const stored of [row.secret, row.previousSecret!]) {
      expect(stored).toMatch(/^enc:v1:/);
      for (const secret of [hook.secret, rotated.json().secret]) expect(stored).not.toContain(secret.slice('whsec_'.length));
    }
    const redelivered = await call(h, a.member, 'POST', `/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`);
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    await waitUntil(async () => ends().length >= 2, 10_000);
    const again = ends()[1];
    expect(again.headers['webhook-id']).toBe(delivery.id);
    expect(again.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [hook.secret, rotated.json().secret]) expect(() => new Verifier(secret).verify(again.body, again.headers)).not.toThrow();
  }, 180_000);
});

/**
 * With no worker process beside it, this process's dispatcher is the only one: what it dispatches,
 * and when, is its own doing. On PostgreSQL's queue; its retries too when the file above ran on Redis.
 */
describe('webhooks (queue on postgres, one dispatcher)', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    s = await setUp(QUEUE_BACKENDS[0]);
  }, 60_000);
  afterAll(() => tearDown(s), 60_000);

  const arrived = (id: string) => s.receiver.received.some((r) => JSON.parse(r.body).data.id === id);
  /** Listening, with the rounds of its start (or of its reconnect) done: only a notification or the poll wakes it now. */
  const settled = (d: Dispatcher) => waitUntil(async () => d.listening && d.idle, 10_000);
  /** A pending delivery written by hand, as no trigger writes one: nothing notifies the dispatchers of it. */
  const unannounced = (hookId: string, t: TenantKeys) =>
    s.h.db.webhookDelivery.create({
      data: { webhookId: hookId, tenantId: t.tenantId, event: 'study.cancelled', payload: { id: randomUUID() }, nextAttemptAt: new Date() },
    });
  /** Claimed by a dispatcher, or already attempted (a success clears the claim). */
  const taken = async (id: string) => {
    const row = await s.h.db.webhookDelivery.findUnique({ where: { id } });
    return row?.lockedUntil != null || (row?.attempts ?? 0) > 0;
  };
  const idOf = (row: { payload: unknown }) => (row.payload as { id: string }).id;

  it.runIf(backend.name !== 'postgres')(
    'retries a receiver that fails twice and records the three attempts',
    async () => {
      const { h, a, receiver } = s;
      const flaky = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/flaky'), events: ['study.cancelled'] })).json();
      await cancelledStudy(h, a);
      const log = async () => (await call(h, a.viewer, 'GET', `/webhooks/${flaky.id}/deliveries`)).json().items;
      await waitUntil(async () => (await log())[0]?.status === 'succeeded', 20_000);
      expect((await log())[0].history.map((t: { responseStatus: number }) => t.responseStatus)).toEqual([500, 500, 200]);
      await call(h, a.member, 'DELETE', `/webhooks/${flaky.id}`);
    },
    30_000,
  );

  it("dispatches an event's delivery when it commits, with the poll a minute away; one nobody announced waits for a poll", async () => {
    const { h, a, receiver, delivery } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['study.cancelled'] })).json();
    await settled(delivery.dispatcher);
    const quiet = await unannounced(hook.id, a);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await taken(quiet.id), 'taken with no notification and no poll').toBe(false);

    // An event: its trigger notifies at commit, and the round that wakes takes every due row.
    const studyId = await cancelledStudy(h, a);
    await waitUntil(async () => arrived(studyId) && arrived(idOf(quiet)), 10_000);

    // A dispatcher that polls often takes a row nobody announced, while listening.
    const poller = startWebhookDelivery(h.config, queueSettings(h.config), h.db, { pollMs: 300 });
    try {
      await settled(poller.dispatcher);
      const next = await unannounced(hook.id, a);
      await waitUntil(async () => arrived(idOf(next)), 5_000);
      expect(poller.dispatcher.listening).toBe(true);
    } finally {
      await poller.close();
    }
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
  }, 30_000);

  it('listens again after its LISTEN connection is terminated, and a redelivery wakes it too', async () => {
    const { h, a, receiver, delivery } = s;
    const hook = (await call(h, a.member, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['study.cancelled'] })).json();
    const listeners = async () =>
      (
        await h.db.$queryRaw<
          Array<{ pid: number }>
        >`SELECT pid FROM pg_stat_activity WHERE application_name = ${`webhook dispatcher ${h.config.DATABASE_SCHEMA}`}`
      ).map((r) => r.pid);
    await settled(delivery.dispatcher);
    const [before] = await listeners();
    expect(before).toBeDefined();
    await h.db.$queryRaw`SELECT pg_terminate_backend(${before}::int)`;
    await waitUntil(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== before;
    }, 10_000);
    await settled(delivery.dispatcher);
    const studyId = await cancelledStudy(h, a);
    await waitUntil(async () => arrived(studyId), 10_000);

    // Sent again through the API: the row turning pending again notifies, as an event does.
    const [sent] = (await call(h, a.viewer, 'GET', `/webhooks/${hook.id}/deliveries`)).json().items;
    await waitUntil(async () => (await call(h, a.viewer, 'GET', `/webhooks/${hook.id}/deliveries`)).json().items[0]?.status === 'succeeded', 10_000);
    const copies = () => receiver.received.filter((r) => r.headers['webhook-id'] === sent.id).length;
    expect(copies()).toBe(1);
    await settled(delivery.dispatcher);
    expect((await call(h, a.member, 'POST', `/webhooks/${hook.id}/deliveries/${sent.id}/redeliver`)).statusCode).toBe(202);
    await waitUntil(async () => copies() === 2, 10_000);
    await call(h, a.member, 'DELETE', `/webhooks/${hook.id}`);
  }, 30_000);
});
