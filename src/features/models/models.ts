import { seesAllTenants, type Principal } from '../../core/principal.js';
import { notFound } from '../../core/errors.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Db } from '../../infra/db/prisma.js';
import { inPgTransaction } from '../../infra/db/pg-transaction.js';
import { stageBytea } from '../../infra/db/staged-bytes.js';
import { quoteIdent } from '../../infra/db/sql.js';
import { lockAndAssertMayStorePg } from '../datasets/storage-quota.js';
import type { QuotaLimits } from '../tenants/quotas.js';
import type { ModelSummary } from '../../core/run-types.js';
import { isUuid } from '../../core/ids.js';
import { after, newestFirst, toPage } from '../../infra/db/pagination.js';

type ModelRow = {
  id: string;
  jobId: string | null;
  name: string | null;
  version: number | null;
  createdAt: Date;
  source: string;
  summary: unknown;
  inputShape: unknown;
  baseModelId: string | null;
  reusedLayers: string[];
  tenantId: string;
  baseModel: { deletedAt: Date | null } | null;
};

const infoSelect = {
  id: true,
  jobId: true,
  name: true,
  version: true,
  createdAt: true,
  source: true,
  summary: true,
  inputShape: true,
  baseModelId: true,
  reusedLayers: true,
  tenantId: true,
  baseModel: { select: { deletedAt: true } },
} as const;

/** The input shape (without the batch dimension) recorded in a layers-format model.json. */
export function inputShapeOf(modelJson: unknown): number[] {
  const topology = (modelJson as { modelTopology?: Record<string, any> }).modelTopology ?? {};
  const config = topology.model_config?.config ?? topology.config ?? {};
  const layers: any[] = Array.isArray(config) ? config : (config.layers ?? []);
  for (const layer of layers) {
    const shape = layer?.config?.batch_input_shape ?? layer?.config?.batchInputShape;
    if (Array.isArray(shape)) return shape.slice(1);
  }
  const inputs = config.input_layers ? layers.find((l) => l.class_name === 'InputLayer') : undefined;
  const shape = inputs?.config?.batch_input_shape;
  return Array.isArray(shape) ? shape.slice(1) : [];
}

export function toModelInfo(row: ModelRow) {
  return {
    id: row.id,
    jobId: row.jobId,
    name: row.name,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    source: row.source,
    summary: row.summary as ModelSummary,
    inputShape: row.inputShape as number[],
    lineage: { baseModelId: row.baseModelId, reusedLayers: row.reusedLayers, baseModelDeleted: Boolean(row.baseModel?.deletedAt) },
    tenantId: row.tenantId,
  };
}

/**
 * The models a caller may read and build on: its tenant's own and those shared with it (every
 * tenant's for an admin); never a deleted one (its tombstone only keeps lineage readable).
 */
export function visibleModels(who: Principal) {
  if (seesAllTenants(who)) return { deletedAt: null };
  return { deletedAt: null, OR: [{ tenantId: who.tenantId }, { shares: { some: { tenantId: who.tenantId } } }] };
}

/** Throws 404 unless the caller may read the model. */
export async function assertModelVisible(db: Db, who: Principal, id: string): Promise<void> {
  if (!isUuid(id) || !(await db.model.findFirst({ where: { id, ...visibleModels(who) }, select: { id: true } }))) throw notFound('Model', id);
}

export async function getModel(db: Db, who: Principal, id: string) {
  if (!isUuid(id)) throw notFound('Model', id);
  const row = await db.model.findFirst({ where: { id, ...visibleModels(who) }, select: infoSelect });
  if (!row) throw notFound('Model', id);
  return toModelInfo((await withInputShapes(db, [row]))[0]);
}

/**
 * Rows stored before `inputShape` had its own column (and missed by the migration's backfill)
 * get it from model.json, one row at a time, and keep it.
 */
async function withInputShapes<R extends { id: string; inputShape: unknown }>(db: Db, rows: R[]): Promise<R[]> {
  return Promise.all(
    rows.map(async (row) => {
      if (Array.isArray(row.inputShape)) return row;
      const stored = await db.model.findUnique({ where: { id: row.id }, select: { modelJson: true } });
      const inputShape = stored ? inputShapeOf(stored.modelJson) : [];
      await db.model.update({ where: { id: row.id }, data: { inputShape } });
      return { ...row, inputShape };
    }),
  );
}

/** What a transfer-learning spec check needs to know about its base model (one the caller may use). */
export async function baseModelInfo(db: Db, id: string, who: Principal) {
  const found = await db.model.findFirst({ where: { id, ...visibleModels(who) }, select: { id: true, summary: true, inputShape: true } });
  if (!found) return null;
  const [row] = await withInputShapes(db, [found]);
  const inputShape = row.inputShape as number[];
  const summary = row.summary as unknown as ModelSummary;
  const last = summary.layers[summary.layers.length - 1];
  const kept = (dropLast: number) => summary.layers.slice(0, Math.max(0, summary.layers.length - dropLast));
  return {
    inputShape,
    outputShape: last?.outputShape ?? [],
    layerNames: summary.layers.map((l) => l.name),
    layerCount: summary.layers.length,
    layerOutputShapes: summary.layers.map((l) => l.outputShape.slice(1)),
    /** The output shape (no batch dimension) of the base once its top `dropLast` layers are gone. */
    outputShapeAfterDrop: (dropLast: number) => (kept(dropLast).at(-1)?.outputShape.slice(1) as number[] | undefined) ?? inputShape,
    paramsAfterDrop: (dropLast: number) => kept(dropLast).reduce((n, l) => n + l.params, 0),
    activationsAfterDrop: (dropLast: number) => kept(dropLast).reduce((n, l) => n + l.outputShape.reduce<number>((a, d) => a * (d ?? 1), 1), 0),
  };
}

/** Newest first, keyset-paginated; with `name`, the versions of that model (newest is highest). */
export async function listModels(db: Db, who: Principal, query: { name?: string; limit?: number; cursor?: string }) {
  const limit = query.limit ?? 20;
  const rows = await db.model.findMany({
    where: { AND: [visibleModels(who), query.name ? { name: query.name } : {}, after(query.cursor)] },
    orderBy: newestFirst,
    take: limit + 1,
    select: infoSelect,
  });
  return toPage(await withInputShapes(db, rows), limit, toModelInfo);
}

/**
 * The stored artifact: model.json (its manifest names `weights.bin`) and the weight bytes.
 * With `who`, only a model that caller may read; without, any (the worker, which trusts the run).
 */
export async function getArtifact(db: Db, id: string, who?: Principal) {
  if (!isUuid(id)) throw notFound('Model', id);
  const row = await db.model.findFirst({
    where: { id, ...(who ? visibleModels(who) : { deletedAt: null }) },
    select: { modelJson: true, weights: true, preprocessing: true },
  });
  if (!row) throw notFound('Model', id);
  return { modelJson: row.modelJson as Record<string, unknown>, weights: row.weights, preprocessing: row.preprocessing };
}

/**
 * Stores a model, registering it as the next version of `name` when one is given. Versions of
 * one name are taken one at a time (a transaction-scoped advisory lock on the name), so any
 * number of concurrent imports or jobs under one name get 1, 2, 3... and none hits the unique
 * key; the retry stays for a writer without the lock (an older release during a rollout).
 * Written with pg, not Prisma: the weights go as a binary parameter, not through base64 on the
 * event loop (`npm run bench:responsiveness`).
 */
export async function storeModel(
  db: Db,
  data: {
    tenantId: string;
    jobId: string | null;
    name?: string | null;
    summary: ModelSummary;
    modelJson: Record<string, unknown>;
    weights: Uint8Array;
    preprocessing?: unknown;
    baseModelId?: string | null;
    reusedLayers?: string[];
    source: 'trained' | 'imported';
  },
  /**
   * The tenant's limits, for an import: the storage quota is checked in the transaction that
   * inserts the model, under the tenant's lock (lockAndAssertMayStorePg), so it holds when the
   * row is written.
   */
  quota?: QuotaLimits,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await inPgTransaction(db, async (client, schema) => {
        if (quota) await lockAndAssertMayStorePg(client, schema, quota, data.tenantId, storedModelBytes(data.modelJson, data.weights));
        const name = data.name;
        if (!name) return insertModelRow(client, schema, data, null);
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model-name:${data.tenantId}:${name}`]);
        const { rows } = await client.query<{ v: number | null }>(
          `SELECT max("version") AS v FROM ${quoteIdent(schema)}."Model" WHERE "tenantId" = $1::uuid AND "name" = $2`,
          [data.tenantId, name],
        );
        return insertModelRow(client, schema, data, (rows[0]?.v ?? 0) + 1);
      });
    } catch (err) {
      // A unique violation: (name, version) taken by a concurrent registration; take the next one.
      if ((err as { code?: string }).code === UNIQUE_VIOLATION && data.name && attempt < 5) continue;
      throw err;
    }
  }
}

type StoredModel = Parameters<typeof storeModel>[1];

/** A PostgreSQL unique violation (SQLSTATE; Prisma's P2002). */
const UNIQUE_VIOLATION = '23505';

/** What a model takes in storage (its weights and model.json), as the storage quota counts it. */
export function storedModelBytes(modelJson: unknown, weights: { byteLength: number }): number {
  return weights.byteLength + Buffer.byteLength(JSON.stringify(modelJson));
}

/** JSON for a jsonb parameter (pg would write a JS array as a PostgreSQL array); null stays SQL NULL, as Prisma leaves it. */
const jsonParam = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The row Prisma's model.create wrote: the same columns, a v4 uuid made here, createdAt now in UTC. */
async function insertModelRow(client: pg.ClientBase, schema: string, data: StoredModel, version: number | null): Promise<string> {
  const id = randomUUID();
  const weights = await stageBytea(client, data.weights);
  await client.query(
    `INSERT INTO ${quoteIdent(schema)}."Model" ("id", "tenantId", "jobId", "name", "version", "summary", "modelJson", "inputShape", "weights", "sizeBytes", "preprocessing", "baseModelId", "reusedLayers", "source", "createdAt")
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::int, $6::jsonb, $7::jsonb, $8::jsonb, ${weights.sql(9)}, $10::int, $11::jsonb, $12::uuid, $13::text[], $14, $15::timestamptz AT TIME ZONE 'UTC')`,
    [
      id,
      data.tenantId,
      data.jobId,
      data.name ?? null,
      version,
      jsonParam(data.summary),
      jsonParam(data.modelJson),
      jsonParam(inputShapeOf(data.modelJson)),
      weights.param,
      storedModelBytes(data.modelJson, data.weights),
      jsonParam(data.preprocessing),
      data.baseModelId ?? null,
      data.reusedLayers ?? [],
      data.source,
      new Date().toISOString(),
    ],
  );
  return id;
}
