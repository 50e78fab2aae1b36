import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../../src/core/principal.js';
import { encodeDataset } from '../../src/data/index.js';
import { saveDataset } from '../../src/features/datasets/datasets.js';
import { getArtifact, storeModel, storedModelBytes } from '../../src/features/models/models.js';
import { storedBytesPg } from '../../src/features/datasets/storage-quota.js';
import { storageOf } from '../../src/features/tenants/quotas.js';
import { inPgTransaction } from '../../src/infra/db/pg-transaction.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Datasets and models are written with pg, not Prisma (src/features/datasets/datasets.ts, models.ts): the
 * rows must be what Prisma wrote (ids, createdAt in UTC, JSON, arrays, NULLs) and the bytes must
 * come back through Prisma byte for byte; the quota's pg sums must be storageOf's.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** Bytes that base64 or text encodings would mangle if handled wrongly: every byte value, NaN patterns, zeros. */
function awkwardFloats(n: number): Float32Array {
  const out = new Float32Array(n);
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 97 + 13) % 256;
  out[0] = Number.NaN;
  out[1] = -0;
  out[2] = Number.POSITIVE_INFINITY;
  return out;
}

it('a labeled dataset round-trips byte for byte, with the row Prisma would have written', async () => {
  const before = Date.now();
  const ds = { features: awkwardFloats(50 * 6), labels: Int32Array.from({ length: 50 }, (_, i) => i % 3), featureShape: [2, 3], samples: 50, classes: 3 };
  const summary = await saveDataset(h.db, ds, { name: 'awk "ward" \\ ünïcode', labelNames: ['a', 'b', 'c'], maxSamples: 1000, tenantId: DEFAULT_TENANT_ID });
  const row = await h.db.dataset.findUniqueOrThrow({ where: { id: summary.id } });
  const encoded = encodeDataset(ds);
  expect(Buffer.from(row.features).equals(encoded.features)).toBe(true);
  expect(Buffer.from(row.labels!).equals(encoded.labels!)).toBe(true);
  expect(row).toMatchObject({
    name: 'awk "ward" \\ ünïcode',
    samples: 50,
    featureShape: [2, 3],
    classes: 3,
    labelNames: ['a', 'b', 'c'],
    sizeBytes: 50 * 6 * 4 + 50 * 4,
    tenantId: DEFAULT_TENANT_ID,
  });
  // createdAt is stored in UTC, as Prisma stores it: the summary's and the row's agree, and are now.
  expect(row.createdAt.toISOString()).toBe(summary.createdAt);
  expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5);
  expect(row.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 5);
  // The API reads it back as it reads any dataset.
  const res = await h.app.inject({ method: 'GET', url: `/datasets/${summary.id}` });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toEqual(summary);
});

it('an unlabeled dataset without label names stores SQL NULLs, as Prisma did', async () => {
  const ds = { features: awkwardFloats(8), labels: null, featureShape: [4], samples: 2, classes: 0 };
  const summary = await saveDataset(h.db, ds, { name: 'unlabeled', maxSamples: 10, tenantId: DEFAULT_TENANT_ID });
  expect(summary.labelNames).toBeNull();
  const row = await h.db.dataset.findUniqueOrThrow({ where: { id: summary.id } });
  expect(row.labels).toBeNull();
  expect(row.labelNames).toBeNull();
  expect(Buffer.from(row.features).equals(encodeDataset(ds).features)).toBe(true);
});

it('a model round-trips byte for byte; versions of one name count up; JSON, arrays and NULLs are as Prisma wrote them', async () => {
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'rt', layers: [{ class_name: 'Dense', config: { name: 'd', units: 3, batch_input_shape: [null, 4] } }] },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'd/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'd/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  const floats = awkwardFloats(15);
  // A view into a larger buffer: only its own bytes must be stored.
  const backing = new Uint8Array(100 + floats.byteLength);
  backing.set(new Uint8Array(floats.buffer), 100);
  const weights = backing.subarray(100);
  const summary = { layers: [], totalParams: 15, trainableParams: 15 } as never;
  const data = {
    tenantId: DEFAULT_TENANT_ID,
    jobId: null,
    name: 'round-trip',
    summary,
    modelJson,
    weights,
    reusedLayers: ['a', 'b "c"', 'd,e'],
    source: 'imported' as const,
  };
  const first = await storeModel(h.db, data);
  const second = await storeModel(h.db, { ...data, preprocessing: { normalize: { mean: [1, 2] } } });
  const rows = await h.db.model.findMany({ where: { id: { in: [first, second] } }, orderBy: { version: 'asc' } });
  expect(rows.map((r) => [r.id, r.version])).toEqual([
    [first, 1],
    [second, 2],
  ]);
  for (const row of rows) {
    expect(Buffer.from(row.weights).equals(Buffer.from(floats.buffer))).toBe(true);
    expect(row).toMatchObject({
      name: 'round-trip',
      summary,
      modelJson,
      inputShape: [4],
      reusedLayers: ['a', 'b "c"', 'd,e'],
      source: 'imported',
      jobId: null,
      baseModelId: null,
      deletedAt: null,
      sizeBytes: storedModelBytes(modelJson, weights),
    });
    expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  }
  expect(rows[0].preprocessing).toBeNull();
  expect(rows[1].preprocessing).toEqual({ normalize: { mean: [1, 2] } });
  const artifact = await getArtifact(h.db, second);
  expect(Buffer.from(artifact.weights).equals(Buffer.from(floats.buffer))).toBe(true);
  // weights.bin, streamed from the column in slices, is the same bytes.
  const res = await h.app.inject({ method: 'GET', url: `/models/${second}/artifact/weights.bin` });
  expect(res.statusCode).toBe(200);
  expect(res.rawPayload.equals(Buffer.from(floats.buffer))).toBe(true);
});

it("the quota's pg sum is storageOf's total (datasets, models not deleted)", async () => {
  const viaPrisma = (await storageOf(h.db, DEFAULT_TENANT_ID)).total;
  expect(viaPrisma).toBeGreaterThan(0);
  expect(await inPgTransaction(h.db, (client, schema) => storedBytesPg(client, schema, DEFAULT_TENANT_ID))).toBe(viaPrisma);
  const one = await h.db.model.findFirstOrThrow({ where: { tenantId: DEFAULT_TENANT_ID, deletedAt: null } });
  await h.db.model.update({ where: { id: one.id }, data: { deletedAt: new Date() } });
  const after = (await storageOf(h.db, DEFAULT_TENANT_ID)).total;
  expect(after).toBe(viaPrisma - one.sizeBytes);
  expect(await inPgTransaction(h.db, (client, schema) => storedBytesPg(client, schema, DEFAULT_TENANT_ID))).toBe(after);
});

it('a dataset over the storage quota is refused with 403 and nothing is stored; the transaction is rolled back', async () => {
  const count = await h.db.dataset.count();
  const ds = { features: awkwardFloats(1000), labels: null, featureShape: [10], samples: 100, classes: 0 };
  const limits = { queuedJobs: 0, runningJobs: 0, storageMb: 0.001 };
  await expect(saveDataset(h.db, ds, { name: 'too big', maxSamples: 1000, tenantId: DEFAULT_TENANT_ID, limits })).rejects.toMatchObject({
    statusCode: 403,
    code: 'quota_exceeded',
  });
  expect(await h.db.dataset.count()).toBe(count);
  // The connection went back clean: the next write works.
  await saveDataset(h.db, { ...ds, features: awkwardFloats(10), samples: 1 }, { name: 'small', maxSamples: 1000, tenantId: DEFAULT_TENANT_ID });
  expect(await h.db.dataset.count()).toBe(count + 1);
});
