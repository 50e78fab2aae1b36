import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storedModelBytes } from '../../src/features/models/models.js';
import { startHarness, waitUntil, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, type TenantKeys } from '../support/tenants.js';

/**
 * The storage quota (QUOTA_STORAGE_MB) under concurrent uploads: the check and the insert are one
 * step per tenant, so uploads that arrive together cannot all pass a check that each passes
 * alone. Before the fix every request below read the same (empty) usage and all were stored.
 *
 * The race is made certain, not left to timing: the test holds a SHARE lock on the Dataset and
 * Model tables (reads go on, inserts wait) until every request is waiting on a lock, either that
 * one (at its insert) or the tenant's submit lock, and only then lets them go.
 */
let h: Harness;
let t: TenantKeys;

const MB = 1024 * 1024;
/** 0.01 MB = 10,485 bytes: room for three of the datasets below, or two and a few models. */
const QUOTA_MB = 0.01;
const LIMIT = QUOTA_MB * MB;

/** A dataset of 100 samples x 6 features: 100*6*4 float32 + 100*4 int32 labels = 2,800 bytes. */
const DATASET_BYTES = 100 * 6 * 4 + 100 * 4;
const dataset = (i: number) => ({
  name: `race-${i}`,
  features: Array.from({ length: 100 }, (_, s) => Array.from({ length: 6 }, (_, f) => Math.sin(s * 3.1 + f + i))),
  labels: Array.from({ length: 100 }, (_, s) => s % 2),
});

/** A Dense 20 -> 20 layers model (420 zero weights, 1,680 bytes), in the form the import stores. */
const modelJson = {
  format: 'layers-model',
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'race',
      layers: [
        { class_name: 'Dense', config: { name: 'dense', units: 20, activation: 'linear', use_bias: true, batch_input_shape: [null, 20], dtype: 'float32' } },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  },
  weightsManifest: [
    {
      paths: ['weights.bin'],
      weights: [
        { name: 'dense/kernel', shape: [20, 20], dtype: 'float32' },
        { name: 'dense/bias', shape: [20], dtype: 'float32' },
      ],
    },
  ],
};
const weights = Buffer.alloc(420 * 4);
const MODEL_BYTES = storedModelBytes(modelJson, weights);

beforeAll(async () => {
  h = await startHarness();
  const admin = await bootstrapAdmin(h);
  t = await makeTenant(h, admin, 'racer', { storageMb: QUOTA_MB });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** How many sessions wait on a lock the uploads of this tenant can wait on: the tables' or its submit lock. */
async function waiting(client: pg.Client): Promise<number> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE NOT granted
        AND (relation IN ($1::regclass, $2::regclass)
          OR (locktype = 'advisory' AND classid = 1101 AND objsubid = 2 AND objid = ((hashtext($3)::bigint + 4294967296) % 4294967296)::oid))`,
    [`"${h.config.DATABASE_SCHEMA}"."Dataset"`, `"${h.config.DATABASE_SCHEMA}"."Model"`, t.tenantId],
  );
  return rows[0].n as number;
}

it('concurrent dataset uploads and model imports never store more than the quota; the rest get 403 quota_exceeded; /usage agrees', async () => {
  const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: bearer(t.member), payload });
  const gate = new pg.Client({ connectionString: h.env.DATABASE_URL });
  await gate.connect();
  let answers: Array<{ kind: 'dataset' | 'model'; res: Awaited<ReturnType<typeof post>> }>;
  try {
    await gate.query('BEGIN');
    await gate.query(`LOCK TABLE "${h.config.DATABASE_SCHEMA}"."Dataset", "${h.config.DATABASE_SCHEMA}"."Model" IN SHARE MODE`);
    // 5 datasets (14,000 bytes) and 3 models (~6.6 kB), all at once: about twice the quota. (Fewer
    // than the API's 10 database connections, so each one reaches a lock rather than the pool.)
    const requests = [
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'dataset' as const, res: post('/datasets', dataset(i)) })),
      ...Array.from({ length: 3 }, (_, i) => ({
        kind: 'model' as const,
        res: post('/models', { name: `race-${i}`, modelJson, weights: weights.toString('base64') }),
      })),
    ];
    let settled = 0;
    const all = Promise.all(requests.map(async (r) => ({ kind: r.kind, res: await r.res.finally(() => settled++) })));
    await waitUntil(async () => (await waiting(gate)) >= requests.length - settled);
    await gate.query('COMMIT');
    answers = await all;
  } finally {
    await gate.end();
  }

  const accepted = answers.filter((a) => a.res.statusCode === 201);
  const refused = answers.filter((a) => a.res.statusCode !== 201);
  for (const { res } of refused) {
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: 'quota_exceeded', quota: 'QUOTA_STORAGE_MB', limit: QUOTA_MB });
    expect(res.json().message).toContain('QUOTA_STORAGE_MB');
  }
  const acceptedBytes = accepted.reduce((n, a) => n + (a.kind === 'dataset' ? DATASET_BYTES : MODEL_BYTES), 0);
  console.log(`storage quota race: ${accepted.length} of ${answers.length} accepted, ${acceptedBytes} bytes stored of a ${Math.floor(LIMIT)}-byte quota`);
  expect(acceptedBytes).toBeLessThanOrEqual(LIMIT);
  // Not by refusing everything: the tenant ends full, with no room for even the smallest refused upload.
  expect(accepted.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  expect(acceptedBytes + Math.min(DATASET_BYTES, MODEL_BYTES)).toBeGreaterThan(LIMIT);

  // The stored rows and /usage say the same.
  const rows = await h.db.dataset.aggregate({ where: { tenantId: t.tenantId }, _sum: { sizeBytes: true }, _count: true });
  const models = await h.db.model.aggregate({ where: { tenantId: t.tenantId }, _sum: { sizeBytes: true }, _count: true });
  expect(rows._count + models._count).toBe(accepted.length);
  expect((rows._sum.sizeBytes ?? 0) + (models._sum.sizeBytes ?? 0)).toBe(acceptedBytes);
  const usage = (await h.app.inject({ method: 'GET', url: '/usage', headers: bearer(t.member) })).json();
  expect(usage.storageBytes.total).toBe(acceptedBytes);
  expect(usage.storageBytes.total).toBeLessThanOrEqual(LIMIT);
  expect(usage.quotas.storageMb).toBe(QUOTA_MB);
});
