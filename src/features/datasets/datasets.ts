import { BUILTINS, DatasetCache, applyView, viewCopies, decodeDataset, encodeDataset, loadBuiltin, type Dataset } from '../../data/index.js';
import { invalid, notFound, tooLarge } from '../../core/errors.js';
import type { DatasetRef } from '../../schemas/job-spec.js';
import type { DatasetSummary } from '../../schemas/dataset.js';
import { ownedBy, type Principal } from '../../core/principal.js';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db/prisma.js';
import { inPgTransaction } from '../../infra/db/pg-transaction.js';
import { stageBytea } from '../../infra/db/staged-bytes.js';
import { quoteIdent } from '../../infra/db/sql.js';
import { lockAndAssertMayStorePg } from './storage-quota.js';
import type { QuotaLimits } from '../tenants/quotas.js';
import type { SpecProblem } from '../../core/problems.js';
import { isUuid } from '../../core/ids.js';

type DatasetRow = { id: string; name: string; samples: number; featureShape: number[]; classes: number; labelNames: unknown; createdAt: Date };

export function toDatasetSummary(row: DatasetRow): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    samples: row.samples,
    featureShape: row.featureShape,
    classes: row.classes,
    labelNames: (row.labelNames as string[] | null) ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Stores a parsed dataset compactly (float32/int32 bytes, not a row per sample). */
export async function saveDataset(
  db: Db,
  ds: Dataset,
  meta: {
    name: string;
    labelNames?: string[] | null;
    maxSamples: number;
    tenantId: string;
    /** The tenant's limits: with them, the storage quota is checked with the insert (see lockAndAssertMayStorePg). */
    limits?: QuotaLimits;
  },
): Promise<DatasetSummary> {
  if (ds.samples > meta.maxSamples) {
    throw tooLarge(`the dataset has ${ds.samples} samples; the limit is ${meta.maxSamples} (MAX_DATASET_SAMPLES)`, [
      { path: '/features', message: `at most ${meta.maxSamples} samples` },
    ]);
  }
  // Encoded before any lock is taken: the tenant's lock is held only for the check and the insert.
  const encoded = encodeDataset(ds);
  const sizeBytes = encoded.features.byteLength + (encoded.labels?.byteLength ?? 0);
  const row = {
    id: randomUUID(),
    name: meta.name,
    samples: ds.samples,
    featureShape: ds.featureShape,
    classes: ds.classes,
    labelNames: meta.labelNames ?? null,
    createdAt: new Date(),
  };
  const limits = meta.limits;
  // With pg, not Prisma: the bytes go as binary parameters, not through base64 on the event loop,
  // and a large value in slices (stageBytea).
  // The storage quota, with the exact bytes about to be stored, is checked and used in one step.
  await inPgTransaction(db, async (client, schema) => {
    if (limits) await lockAndAssertMayStorePg(client, schema, limits, meta.tenantId, sizeBytes);
    const features = await stageBytea(client, encoded.features);
    const labels = await stageBytea(client, encoded.labels);
    await client.query(
      `INSERT INTO ${quoteIdent(schema)}."Dataset" ("id", "tenantId", "name", "samples", "featureShape", "classes", "labelNames", "features", "labels", "sizeBytes", "createdAt")
       VALUES ($1::uuid, $2::uuid, $3, $4::int, $5::int[], $6::int, $7::jsonb, ${features.sql(8)}, ${labels.sql(9)}, $10::int, $11::timestamptz AT TIME ZONE 'UTC')`,
      [
        row.id,
        meta.tenantId,
        row.name,
        row.samples,
        row.featureShape,
        row.classes,
        row.labelNames === null ? null : JSON.stringify(row.labelNames),
        features.param,
        labels.param,
        sizeBytes,
        row.createdAt.toISOString(),
      ],
    );
  });
  return toDatasetSummary(row);
}

/** A dataset the caller may see (another tenant's is as unknown as a missing one: 404). */
export async function getDatasetSummary(db: Db, who: Principal, id: string): Promise<DatasetSummary> {
  if (!isUuid(id)) throw notFound('Dataset', id);
  const row = await db.dataset.findFirst({
    where: { id, ...ownedBy(who) },
    select: { id: true, name: true, samples: true, featureShape: true, classes: true, labelNames: true, createdAt: true },
  });
  if (!row) throw notFound('Dataset', id);
  return toDatasetSummary(row);
}

/** What a spec check needs to know about a referenced dataset, without loading its samples. */
export interface DatasetShape {
  featureShape: number[];
  classes: number;
  samples: number;
  labeled: boolean;
}

/**
 * The shape of the data a reference points at, after its view, or a list of problems
 * (unknown id, class not present) with paths under `path`. `unknown` is set when the id names
 * no dataset the caller may use (another tenant's included).
 */
export async function describeDatasetRef(
  db: Db,
  ref: DatasetRef,
  path: string,
  who: Principal,
): Promise<{ shape?: DatasetShape; problems: SpecProblem[]; unknown?: SpecProblem }> {
  const problems: SpecProblem[] = [];
  if ((ref.id === undefined) === (ref.builtin === undefined)) {
    problems.push({ path, message: 'give exactly one of `id` (an uploaded dataset) or `builtin` ("fashion-mnist", "mnist" or "cifar-10")' });
    return { problems };
  }
  let base: DatasetShape;
  /** For an uploaded dataset, which classes have samples (read only when a `classes` view needs it). */
  let present: ((c: number) => boolean) | undefined;
  if (ref.builtin) {
    const info = BUILTINS[ref.builtin];
    base = { featureShape: [...info.featureShape], classes: info.classes, samples: info.samples[ref.split ?? 'train'], labeled: true };
  } else {
    const id = ref.id as string;
    const row = isUuid(id)
      ? await db.dataset.findFirst({ where: { id, ...ownedBy(who) }, select: { featureShape: true, classes: true, samples: true } })
      : null;
    if (!row) {
      const unknown = { path: `${path}/id`, message: `no dataset with id ${id}; upload one with POST /datasets` };
      return { problems: [unknown], unknown };
    }
    base = { featureShape: row.featureShape, classes: row.classes, samples: row.samples, labeled: row.classes > 0 };
    if (ref.classes && base.labeled) present = await classesPresent(db, id, row.classes);
  }
  if (ref.classes) {
    if (!base.labeled) problems.push({ path: `${path}/classes`, message: 'the dataset has no labels to select classes from' });
    ref.classes.forEach((c, i) => {
      if (c >= base.classes) problems.push({ path: `${path}/classes/${i}`, message: `class ${c} is not in the dataset (classes 0..${base.classes - 1})` });
      else if (present && !present(c)) problems.push({ path: `${path}/classes/${i}`, message: `class ${c} has no samples in this dataset` });
    });
    base = { ...base, classes: ref.classes.length };
  }
  if (ref.limit !== undefined) base = { ...base, samples: Math.min(base.samples, ref.limit) };
  return { shape: base, problems };
}

/**
 * Which classes of an uploaded dataset have at least one sample, read from its stored labels
 * (int32 little-endian, 4 bytes a sample: small next to the features, which are not loaded).
 */
async function classesPresent(db: Db, id: string, classes: number): Promise<(c: number) => boolean> {
  const row = await db.dataset.findUnique({ where: { id }, select: { labels: true } });
  const bytes = row?.labels;
  const seen = new Uint8Array(classes);
  if (bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 0; offset + 4 <= bytes.byteLength; offset += 4) {
      const label = view.getInt32(offset, true);
      if (label >= 0 && label < classes) seen[label] = 1;
    }
  }
  return (c) => seen[c] === 1;
}

/** Loads the samples a reference points at (view applied), through the worker's cache. */
export async function loadDatasetRef(
  db: Db,
  ref: DatasetRef,
  opts: { cache: DatasetCache; datasetsDir: string; verifyChecksums: boolean },
  path = '/dataset',
): Promise<Dataset> {
  const sourceKey = ref.builtin ? `builtin:${ref.builtin}:${ref.split ?? 'train'}` : `upload:${ref.id}`;
  const loadSource = () =>
    opts.cache.get(sourceKey, async () => {
      if (ref.builtin) return loadBuiltin(ref.builtin, ref.split ?? 'train', { datasetsDir: opts.datasetsDir, verifyChecksums: opts.verifyChecksums });
      const row = await db.dataset.findUnique({ where: { id: ref.id as string } });
      if (!row) throw invalid(`dataset ${ref.id} no longer exists`, [{ path: `${path}/id`, message: 'unknown dataset' }]);
      return decodeDataset({
        features: Buffer.from(row.features),
        labels: row.labels ? Buffer.from(row.labels) : null,
        featureShape: row.featureShape,
        samples: row.samples,
        classes: row.classes,
      });
    });
  const view = { classes: ref.classes, limit: ref.limit, seed: ref.seed };
  if (view.classes === undefined && view.limit === undefined) return loadSource();
  // A view copies its samples (for 10,000 Fashion-MNIST images a noticeable share of a short job,
  // most of it the fresh memory's first touch), so it is cached too: job after job on the same
  // view, as a study's trials are, skips it. One reference is one lookup in the cache's counts: the
  // view's when it is there, else the source's. A view that fails (an unknown class) is not cached.
  const viewKey = `${sourceKey}|${JSON.stringify(view)}`;
  if (opts.cache.has(viewKey)) return opts.cache.get(viewKey, async () => applyView(await loadSource(), view, path));
  const source = await loadSource();
  if (!viewCopies(source, view)) return applyView(source, view, path);
  return opts.cache.get(viewKey, async () => applyView(source, view, path), false);
}
