import type { ModelSummary } from '../../core/run-types.js';
import type { Db } from '../../infra/db/prisma.js';
import type { Principal } from '../../core/principal.js';
import { getModel, storeModel, storedModelBytes } from './models.js';
import { assertMayStore, type QuotaLimits } from '../tenants/quotas.js';
import { prepareImport, type PreparedImport } from '../../training/checks/import-prepare.js';

/** What an import is checked against before anything is built. */
export interface ImportLimits {
  maxParams: number;
  maxLayers: number;
  /** The tenant's limits: with them, the storage quota is checked with the bytes the model will take. */
  quota?: QuotaLimits;
}

/**
 * Imports a TensorFlow.js layers model trained elsewhere (e.g. a Keras model converted by
 * tensorflowjs_converter), so a job can use it as its `base`. The model must load: it is
 * deserialized once here, which also gives its summary. `prepared` comes from prepareImport
 * (run in a data thread by the route).
 */
export async function importPrepared(
  db: Db,
  who: Principal,
  prepared: PreparedImport,
  limits: ImportLimits,
  /** Where the model is loaded and checked: the API's worker-thread pool; default here. */
  load: (modelJson: Record<string, unknown>, weights: Uint8Array) => Promise<ModelSummary> = async (json, bytes) =>
    (await import('../../training/checks/import-check.js')).loadImportedModel(json, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
) {
  const { modelJson, weights } = prepared;
  const bytes = storedModelBytes(modelJson, weights);
  const quota = limits.quota;
  // A first look without the lock, so a model that cannot fit is not loaded (tfjs builds every
  // layer); the check that counts is made again with the insert, under the tenant's lock.
  if (quota) await assertMayStore(db, quota, who.tenantId, bytes);

  const summary = await load(modelJson, weights);
  const id = await storeModel(db, { tenantId: who.tenantId, jobId: null, name: prepared.name, summary, modelJson, weights, source: 'imported' }, quota);
  return getModel(db, who, id);
}

/** prepareImport, then importPrepared: an import on the calling thread. */
export async function importModel(
  db: Db,
  who: Principal,
  body: { modelJson: Record<string, unknown>; weights: string; name?: string },
  limits: ImportLimits,
  load?: (modelJson: Record<string, unknown>, weights: Uint8Array) => Promise<ModelSummary>,
) {
  return importPrepared(db, who, prepareImport(body, limits), limits, load);
}
