/**
 * Recording a queued run: the one step of POST /jobs (and of retries and study trials) that runs
 * under the tenant's submit lock, so it is what bounds a tenant's submissions per second.
 *
 * Through Prisma it was an interactive transaction of up to six statements, one after the other,
 * each a round trip and a pass through the query engine while the lock was held (the lock, three
 * fair-tag aggregates, the queued-jobs count, the insert), then the audit row in a statement of
 * its own (`npm run bench:profile -- submit`). Here, on the client's own pg pool: BEGIN; the locks; one
 * read of everything the checks need (fair-tag state, the tenant's quotas, queued count and stored
 * bytes, which referenced datasets and base models exist); one statement inserting the runs and their audit rows; COMMIT. Each
 * statement sees the rows committed before it started (READ COMMITTED), so the read after the
 * lock sees every earlier submission of the tenant.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../core/principal.js';
import { ServiceError } from '../../core/errors.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import { lockExpression } from '../../infra/db/locks.js';
import { checkoutPg } from '../../infra/db/pg-transaction.js';
import type { Db } from '../../infra/db/prisma.js';
import { quoteIdent, statementName } from '../../infra/db/sql.js';
import { DATASET_PATHS } from '../datasets/deletion.js';
import { nextFairTag } from './fair-priority.js';
import { storedBytesSql } from '../datasets/storage-quota.js';
import { assertMayQueue, assertRoom, limitsFrom, type QuotaConfig } from '../tenants/quotas.js';

/** The columns a new run is given (the rest take their defaults). */
export interface NewRun {
  name: string | null;
  spec: object;
  warnings: object[];
  retryOf?: string | null;
  studyId?: string | null;
  trialIndex?: number | null;
  trialParameters?: object | null;
}

/** A PostgreSQL unique violation (a study trial launched twice); Prisma's code for it is P2002. */
export const UNIQUE_VIOLATION = '23505';

/** A run waiting to be recorded, with how to answer its caller. */
interface Pending {
  data: NewRun;
  quotas?: QuotaConfig;
  refs: References;
  audit?: Pick<Principal, 'keyId'>;
  resolve(run: { id: string; priority: number }): void;
  reject(err: unknown): void;
}

/** Most runs recorded in one transaction. */
const MAX_BATCH = 64;

/** Per client and tenant: the runs waiting for the transaction in progress to end. */
const waiting = new WeakMap<Db, Map<string, Pending[]>>();

/**
 * Records a queued run of the tenant with its fair-scheduling tag; returns its id and the BullMQ
 * priority to enqueue it at (see `nextFairTag`). Every way a run is queued goes through here
 * (POST /jobs, retries, study trials), so none can jump the queue with priority 0.
 *
 * One transaction at a time per tenant (an advisory lock, across every API process), so the fair
 * tag and the quota count see every earlier submission. With `quotas` (the service defaults),
 * the tenant's queued-jobs and storage quotas are checked (403 quota_exceeded; its own overrides
 * are read in the same statement as the rest); with `spec`, the datasets and base model
 * it names are held (their shared locks: a DELETE of one either finished before, and this is a
 * 404, or waits until this run is recorded and then sees it: 409); with `audit`, the audit row of
 * the creation is written in the same statement as the run.
 *
 * Group commit: the submissions of a tenant that arrive while its transaction runs wait for it and
 * then go together in the next one, taken one after another under the lock exactly as they would be
 * in transactions of their own (each its quota check and its tag, seeing the ones before it). The
 * lock is held across the commit, whose WAL flush (an fsync, many times a statement's round trip)
 * would otherwise cap a tenant's submissions at one per flush.
 */
export async function createFairRun(
  db: Db,
  tenantId: string,
  data: NewRun,
  guard: { quotas?: QuotaConfig; spec?: JobSpec; audit?: Pick<Principal, 'keyId'> } = {},
): Promise<{ id: string; priority: number }> {
  const refs = guard.spec ? references(guard.spec) : { datasets: [], modelId: null };
  let byTenant = waiting.get(db);
  if (!byTenant) waiting.set(db, (byTenant = new Map()));
  const tenants = byTenant;
  return new Promise((resolve, reject) => {
    const item: Pending = { data, quotas: guard.quotas, refs, audit: guard.audit, resolve, reject };
    const queue = tenants.get(tenantId);
    if (queue) {
      queue.push(item);
      return;
    }
    // None in progress: this one starts a transaction now; later ones wait for the next.
    tenants.set(tenantId, []);
    void drain(db, tenants, tenantId, [item]);
  });
}

/** Runs transactions for the tenant until no submission waits. */
async function drain(db: Db, tenants: Map<string, Pending[]>, tenantId: string, batch: Pending[]): Promise<void> {
  for (;;) {
    await recordBatch(db, tenantId, batch).catch((err: unknown) => batch.forEach((p) => p.reject(err)));
    const next = tenants.get(tenantId) ?? [];
    if (next.length === 0) {
      tenants.delete(tenantId);
      return;
    }
    // Bounded, so one statement never carries an unbounded number of specs.
    batch = next.splice(0, MAX_BATCH);
  }
}

/** One transaction: the locks, one read, each run's checks and tag in order, one insert, COMMIT. */
async function recordBatch(db: Db, tenantId: string, batch: Pending[]): Promise<void> {
  const { client, schema, done } = await checkoutPg(db);
  let broken: Error | undefined;
  try {
    const datasetIds = [...new Set(batch.flatMap((p) => p.refs.datasets.map((r) => r.id)))];
    const modelIds = [...new Set(batch.flatMap((p) => (p.refs.modelId ? [p.refs.modelId] : [])))];
    const ids = [tenantId, ...datasetIds, ...modelIds];
    const locks = [lockExpression('tenantSubmit', 'exclusive', '$1'), ...ids.slice(1).map((_, i) => lockExpression('resource', 'shared', `$${i + 2}`))];
    await client.query('BEGIN');
    await client.query({ text: `SELECT ${locks.join(', ')}`, values: ids });
    const read = stateSql(schema);
    const quotaDefaults = batch.flatMap((p) => (p.quotas ? [p.quotas] : []));
    const values = [
      tenantId,
      datasetIds,
      modelIds,
      quotaDefaults.some((q) => q.QUOTA_QUEUED_JOBS > 0),
      quotaDefaults.length > 0,
      quotaDefaults.some((q) => q.QUOTA_STORAGE_MB > 0),
    ];
    const [state] = (await client.query<StateRow>({ name: statementName(read), text: read, values })).rows;

    const fair = { runningMaxTag: state.runningMaxTag, queuedMinTag: state.queuedMinTag, tenantQueuedMaxTag: state.tenantQueuedMaxTag };
    let queued = Number(state.queued ?? 0);
    const rows: Array<Record<string, unknown>> = [];
    const accepted: Array<{ item: Pending; run: { id: string; priority: number } }> = [];
    for (const item of batch) {
      try {
        for (const ref of item.refs.datasets) if (!state.datasets.includes(ref.id)) throw deleted(ref.path, `dataset ${ref.id} was deleted`);
        if (item.refs.modelId && !state.models.includes(item.refs.modelId)) throw deleted('/base/modelId', `model ${item.refs.modelId} was deleted`);
        if (item.quotas) {
          const limits = limitsFrom(state.tenantQuotas, item.quotas);
          assertMayQueue(limits, queued);
          // A job adds no bytes yet: this refuses only a tenant already at or over its limit.
          assertRoom(limits, Number(state.storedBytes ?? 0), 0);
        }
      } catch (err) {
        item.reject(err);
        continue;
      }
      const { tag, priority } = nextFairTag(fair);
      // What the next submission would read once this run is recorded.
      fair.tenantQueuedMaxTag = tag;
      fair.queuedMinTag = fair.queuedMinTag === null ? tag : Math.min(fair.queuedMinTag, tag);
      queued += 1;
      const id = randomUUID();
      const d = item.data;
      rows.push({
        id,
        name: d.name,
        spec: d.spec,
        warnings: d.warnings,
        retryOf: d.retryOf ?? null,
        studyId: d.studyId ?? null,
        trialIndex: d.trialIndex ?? null,
        trialParameters: d.trialParameters ?? null,
        fairTag: tag,
        auditId: item.audit ? randomUUID() : null,
        keyId: item.audit?.keyId ?? null,
      });
      accepted.push({ item, run: { id, priority } });
    }
    const inserted = new Set<string>();
    if (rows.length > 0) {
      const insert = insertSql(schema);
      const result = await client.query<{ id: string }>({
        name: statementName(insert),
        text: insert,
        values: [JSON.stringify(rows), tenantId, new Date().toISOString()],
      });
      for (const row of result.rows) inserted.add(row.id);
    }
    await client.query('COMMIT');
    for (const a of accepted) {
      if (inserted.has(a.run.id)) a.item.resolve(a.run);
      // Its unique key was taken (a study trial launched twice): only this one fails, not the batch.
      else a.item.reject(Object.assign(new Error('a run with the same unique key exists'), { code: UNIQUE_VIOLATION }));
    }
  } catch (err) {
    // After a failed statement PostgreSQL ignores the rest until the transaction ends; a
    // connection that cannot roll back is closed, not given back to the pool.
    await client.query('ROLLBACK').catch((rollbackErr: Error) => void (broken = rollbackErr));
    throw err;
  } finally {
    done(broken);
  }
}

interface StateRow {
  runningMaxTag: number | null;
  queuedMinTag: number | null;
  tenantQueuedMaxTag: number | null;
  queued: string | null;
  storedBytes: string | null;
  tenantQuotas: unknown;
  datasets: string[];
  models: string[];
}

/**
 * Everything the checks of a submission read, in one statement: the fair-tag state (FairState
 * says what each is), the tenant's own quotas, its queued jobs when a
 * queued-jobs quota may apply ($4: a default above 0; $5: any quota checked, its own may be set),
 * its stored bytes when a storage quota may ($6, as storageOf totals them), which of the datasets ($2) and base models ($3) exist.
 */
function stateSql(schema: string): string {
  const t = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  return `SELECT
  (SELECT max("fairTag") FROM ${t('Run')} WHERE status = 'running') AS "runningMaxTag",
  (SELECT min("fairTag") FROM ${t('Run')} WHERE status = 'queued') AS "queuedMinTag",
  (SELECT max("fairTag") FROM ${t('Run')} WHERE status = 'queued' AND "tenantId" = $1::uuid) AS "tenantQueuedMaxTag",
  (SELECT quotas FROM ${t('Tenant')} WHERE id = $1::uuid) AS "tenantQuotas",
  CASE WHEN $4::boolean OR ($5::boolean AND COALESCE(((SELECT quotas FROM ${t('Tenant')} WHERE id = $1::uuid) ->> 'queuedJobs')::numeric, 0) > 0)
    THEN (SELECT count(*) FROM ${t('Run')} WHERE status = 'queued' AND "tenantId" = $1::uuid) END AS queued,
  CASE WHEN $6::boolean OR ($5::boolean AND COALESCE(((SELECT quotas FROM ${t('Tenant')} WHERE id = $1::uuid) ->> 'storageMb')::numeric, 0) > 0)
    THEN ${storedBytesSql(schema, '$1')} END AS "storedBytes",
  ARRAY(SELECT id::text FROM ${t('Dataset')} WHERE id = ANY($2::uuid[])) AS datasets,
  ARRAY(SELECT id::text FROM ${t('Model')} WHERE id = ANY($3::uuid[]) AND "deletedAt" IS NULL) AS models`;
}

/**
 * The batch's runs ($1: a JSON array, one object per run) and the audit rows of those that have
 * an auditId, in one statement; returns the ids of the runs inserted. A run whose unique key is
 * taken (a study's trial index) is skipped rather than failing the batch with the others in it.
 */
function insertSql(schema: string): string {
  const t = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  // Timestamps are UTC without time zone, as Prisma writes them.
  return `WITH r AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, spec jsonb, warnings jsonb, "retryOf" uuid, "studyId" uuid, "trialIndex" int, "trialParameters" jsonb, "fairTag" int, "auditId" uuid, "keyId" text)
), runs AS (
  INSERT INTO ${t('Run')} (id, name, spec, warnings, "retryOf", "studyId", "trialIndex", "trialParameters", "tenantId", "fairTag", "createdAt")
  SELECT id, name, spec, warnings, "retryOf", "studyId", "trialIndex", "trialParameters", $2::uuid, "fairTag", $3::timestamptz AT TIME ZONE 'UTC' FROM r
  ON CONFLICT DO NOTHING
  RETURNING id
), audit AS (
  INSERT INTO ${t('AuditEvent')} (id, at, "keyId", "tenantId", action, resource, "resourceId")
  SELECT r."auditId", $3::timestamptz AT TIME ZONE 'UTC', r."keyId", $2::uuid, 'create', 'job', r.id::text FROM r JOIN runs ON runs.id = r.id WHERE r."auditId" IS NOT NULL
)
SELECT id::text AS id FROM runs`;
}

interface References {
  datasets: Array<{ path: string; id: string }>;
  modelId: string | null;
}

/** The uploaded datasets and the base model a spec names. */
function references(spec: JobSpec): References {
  const datasets = DATASET_PATHS.map((path) => ({
    path: `/${path.join('/')}`,
    id: path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], spec),
  })).filter((ref): ref is { path: string; id: string } => typeof ref.id === 'string');
  return { datasets, modelId: spec.base?.modelId ?? null };
}

const deleted = (path: string, message: string) =>
  new ServiceError('not_found', `the job spec refers to something that does not exist: ${path}: ${message}`, [{ path, message: 'deleted' }]);
