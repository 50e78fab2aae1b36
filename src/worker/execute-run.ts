import type { Dataset, DatasetCache } from '../data/index.js';
import type { JobSpec } from '../schemas/job-spec.js';
import { loadDatasetRef } from '../features/datasets/datasets.js';
import { datasetSha256, withViewSeed } from '../data/index.js';
import { jsonSha256 } from '../core/digest.js';
import type { BackendEnvironment } from '../training/backend/environment.js';
import { toEpochRow } from '../features/jobs/jobs.js';
import { getArtifact, storeModel } from '../features/models/models.js';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';
import { isTransientDbError } from '../infra/db/db-errors.js';
import type { Db } from '../infra/db/prisma.js';
import type { Checkpoint } from '../training/loop/checkpoint.js';
import type { JobHooks, RunJobResult } from '../training/loop/run-training.js';
import type { BatchProgress, EpochMetrics, TrainingWarning } from '../core/run-types.js';
import { SpecError } from '../core/problems.js';
import { WASM_ABORT_MESSAGE, isWasmAbort } from '../training/backend/wasm-abort.js';
import { HandBackError, JobTimeoutError, createStopCheck, throwIfHandedBack } from './stop-check.js';
import { ashaTrialStop } from './asha-stop.js';
import { CheckpointSchedule } from './checkpoint-schedule.js';
import { isDatabaseOutage } from '../infra/db/db-outage.js';
import { describeInternal, safeRunError } from '../infra/db/run-error.js';

export { HandBackError } from './stop-check.js';

/** What a worker process holds across jobs. */
export interface WorkerContext {
  db: Db;
  cache: DatasetCache;
  backend: string;
  /** The tfjs version and the backend's detail, recorded with each run (absent: recorded as unknown). */
  environment?: BackendEnvironment;
  datasetsDir: string;
  verifyChecksums: boolean;
  jobTimeoutMs: number;
  /** Least time between two checkpoints of a run (CHECKPOINT_EVERY_S); 0: one after every epoch. */
  checkpointEveryMs: number;
  reportProgress(p: BatchProgress): void;
  /** Filled in as the run trains, for the worker's metrics; reset by the caller per job. */
  tally?: RunTally;
}

/** What one attempt trained: epochs stored, their time, and samples (known once training ends). */
export interface RunTally {
  epochs: number;
  epochMs: number;
  samples: number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

/**
 * Runs one queued run from start to end: marks it running (resuming from its checkpoint when an
 * earlier attempt was interrupted), loads its data through the worker's cache and its base model,
 * trains, writing each epoch's metrics and diagnostics as the epoch ends (and a checkpoint when
 * one is due: see CheckpointSchedule), and stores the model. The run ends in a final state whatever happens, except when this worker hands it
 * back (HandBackError): then it stays `running` for the next attempt.
 */
export async function executeRun(ctx: WorkerContext, runId: string, signal?: AbortSignal): Promise<RunOutcome> {
  const { db } = ctx;
  const run = await db.run.findUnique({ where: { id: runId } });
  // Gone, cancelled while queued, or already finished by an earlier attempt: nothing to do.
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'skipped';
  throwIfHandedBack(signal);
  // An earlier attempt stored the model and died before marking the run: it is done.
  if (await db.model.findUnique({ where: { jobId: runId }, select: { id: true } })) return end(db, runId, 'succeeded');
  const attempt = await beginAttempt(ctx, run);
  if (!attempt) return (await cancelIfAsked(db, runId)) ?? 'skipped';
  const { resume, number } = attempt;
  const spec = run.spec as unknown as JobSpec;
  const warnings = resume ? (run.diagnosticWarnings as unknown as TrainingWarning[]) : [];

  try {
    const source = { cache: ctx.cache, datasetsDir: ctx.datasetsDir, verifyChecksums: ctx.verifyChecksums };
    const seed = spec.fit.seed;
    const data = {
      train: await loadDatasetRef(db, withViewSeed(spec.dataset, seed, 'train'), source, '/dataset'),
      validation: spec.validation?.dataset
        ? await loadDatasetRef(db, withViewSeed(spec.validation.dataset, seed, 'validation'), source, '/validation/dataset')
        : undefined,
      evaluate: spec.evaluate ? await loadDatasetRef(db, withViewSeed(spec.evaluate.dataset, seed, 'evaluate'), source, '/evaluate/dataset') : undefined,
    };
    await recordEnvironment(ctx, runId, spec, data.train);
    const base = spec.base ? await getArtifact(db, spec.base.modelId) : undefined;
    // Loading can take a while; a stop asked for meanwhile need not wait for the first batch.
    throwIfHandedBack(signal);
    const { runTrainingJob } = await import('../training/loop/run-training.js');
    const storage = storageHooks(db, runId, warnings, new CheckpointSchedule(ctx.checkpointEveryMs), ctx.tally);
    const stopCheck = createStopCheck({ db, runId, attempt: number, signal, timeoutMs: ctx.jobTimeoutMs });
    // A study trial under ASHA may be stopped at a rung as its epoch ends.
    const trialStop = await ashaTrialStop(db, run);
    const result = await runTrainingJob({
      spec,
      data,
      base: base ? { modelJson: base.modelJson, weights: base.weights } : undefined,
      hooks: {
        ...storage,
        onEpoch: async (row) => {
          await storage.onEpoch(row);
          await trialStop?.afterEpoch(row);
        },
        onProgress: (p) => ctx.reportProgress(p),
        shouldStop: async () => trialStop?.stopped === true || stopCheck(),
      },
      resume: resume ?? undefined,
      history: resume ? (await db.epochMetric.findMany({ where: { runId }, orderBy: { epoch: 'asc' } })).map(toEpochRow) : undefined,
    });
    if (ctx.tally) ctx.tally.samples += result.trainSamples * ctx.tally.epochs;
    // A cancel asked for as the last epoch ended still wins over success.
    const now = await db.run.findUnique({ where: { id: runId }, select: { attempts: true, cancelRequested: true } });
    if (now?.attempts !== number) return 'skipped'; // another attempt took over this run
    if (result.status === 'cancelled' || now.cancelRequested) return finish(db, runId, number, 'cancelled');
    await saveModel(db, run, spec, result);
    return finish(db, runId, number, 'succeeded', { evaluation: result.evaluation ?? undefined });
  } catch (err) {
    if (err instanceof HandBackError) throw err;
    // Still unavailable after the client waited DB_RETRY_S: the run stays `running`, and the
    // processor puts the job back in the queue without spending an attempt; the next take resumes
    // from the last checkpoint once the database is back.
    if (isDatabaseOutage(err)) throw err;
    // A conflict that kept recurring: another attempt, from the last checkpoint.
    if (isTransientDbError(err)) throw new HandBackError(`handed back: ${describeInternal(err)}`);
    return finish(db, runId, number, 'failed', { error: userFacing(err) ?? `internal error while training: ${describeInternal(err)}` });
  }
}

/**
 * Takes the run for this attempt, if it is still there to take: queued or running and not
 * cancelled (a cancel may land between reading the run and this write). Marks it running on this
 * backend, and finds where to start: after the checkpoint of an interrupted attempt, with anything
 * that attempt wrote after it cleared so each epoch appears exactly once; or from scratch.
 * Returns null when the run was not taken.
 */
async function beginAttempt(
  ctx: WorkerContext,
  run: { id: string; status: string; startedAt: Date | null },
): Promise<{ number: number; resume: Checkpoint | null } | null> {
  const { db } = ctx;
  const runId = run.id;
  const resume = run.status === 'running' ? await loadCheckpoint(db, runId) : null;
  const taken = await db.run
    .update({
      where: { id: runId, status: { in: ['queued', 'running'] }, cancelRequested: false },
      data: {
        status: 'running',
        startedAt: run.startedAt ?? new Date(),
        heartbeatAt: new Date(),
        backend: ctx.backend,
        attempts: { increment: 1 },
        error: null,
        resumedFromEpoch: resume?.epoch ?? null,
      },
      select: { attempts: true },
    })
    .catch((err: { code?: string }) => {
      if (err.code === 'P2025') return null; // not there to take
      throw err;
    });
  if (!taken) return null;
  const keepUpTo = resume?.epoch ?? 0;
  await db.epochMetric.deleteMany({ where: { runId, epoch: { gt: keepUpTo } } });
  await db.epochDiagnostic.deleteMany({ where: { runId, epoch: { gt: keepUpTo } } });
  if (!resume) await deleteCheckpoint(db, runId);
  return { number: taken.attempts, resume };
}

/** Records what this attempt trains on: the software, and digests of the samples and of the spec. */
async function recordEnvironment(ctx: WorkerContext, runId: string, spec: JobSpec, train: Dataset): Promise<void> {
  const env = ctx.environment;
  const environment = {
    tfjs: env?.tfjs ?? null,
    backend: env?.backend ?? ctx.backend,
    backendDetail: env?.backendDetail ?? null,
    datasetSha256: datasetSha256(train),
    specSha256: jsonSha256(spec),
  };
  await ctx.db.run.update({ where: { id: runId }, data: { environment } });
}

/** Ends a run that was cancelled before this attempt could take it. */
async function cancelIfAsked(db: Db, runId: string): Promise<RunOutcome | null> {
  const ended = await db.run.updateMany({
    where: { id: runId, status: { in: ['queued', 'running'] }, cancelRequested: true },
    data: { status: 'cancelled', finishedAt: new Date() },
  });
  return ended.count > 0 ? 'cancelled' : null;
}

/**
 * Where each epoch's results go: metrics, diagnostics (with new warnings), and the checkpoint
 * when `checkpoints` says one is due (it is captured only then).
 */
function storageHooks(
  db: Db,
  runId: string,
  warnings: TrainingWarning[],
  checkpoints: CheckpointSchedule,
  tally?: RunTally,
): Pick<JobHooks, 'onEpoch' | 'onDiagnostics' | 'onWarnings' | 'onCheckpoint'> {
  const seen = new Set(warnings.map((w) => `${w.kind}|${w.layer}`));
  // Spec-level warnings were recorded when the job was accepted; a resumed run keeps the
  // warnings of its earlier attempts and adds only new ones.
  const keep = (fresh: TrainingWarning[]) => {
    for (const w of fresh) {
      const key = `${w.kind}|${w.layer}`;
      if (w.kind === 'self_normalization' || seen.has(key)) continue;
      seen.add(key);
      warnings.push(w);
    }
  };
  return {
    onEpoch: async (row: EpochMetrics) => {
      await saveEpoch(db, runId, row);
      if (tally) {
        tally.epochs++;
        tally.epochMs += row.durationMs;
      }
    },
    onDiagnostics: async (d, fresh) => {
      keep(fresh);
      await db.epochDiagnostic.upsert({
        where: { runId_epoch: { runId, epoch: d.epoch } },
        create: { runId, epoch: d.epoch, layers: d.layers as object[] },
        update: { layers: d.layers as object[] },
      });
      await db.run.update({ where: { id: runId }, data: { diagnosticWarnings: warnings as object[] } });
    },
    onWarnings: async (fresh) => {
      keep(fresh);
      await db.run.update({ where: { id: runId }, data: { diagnosticWarnings: warnings as object[] } });
    },
    onCheckpoint: async (capture) => {
      if (checkpoints.due()) await checkpoints.store(async () => saveCheckpoint(db, runId, await capture()));
    },
  };
}

async function saveEpoch(db: Db, runId: string, row: EpochMetrics): Promise<void> {
  const data = {
    phase: row.phase,
    loss: Number.isFinite(row.loss) ? row.loss : Number.MAX_VALUE,
    accuracy: row.accuracy,
    valLoss: row.val_loss,
    valAccuracy: row.val_accuracy,
    durationMs: Math.round(row.durationMs),
  };
  await db.epochMetric.upsert({ where: { runId_epoch: { runId, epoch: row.epoch } }, create: { runId, epoch: row.epoch, ...data }, update: data });
}

/** Stores the trained model with its lineage, once: a repeated attempt finds it already there. */
async function saveModel(db: Db, run: { id: string; tenantId: string }, spec: JobSpec, result: RunJobResult): Promise<void> {
  if (await db.model.findUnique({ where: { jobId: run.id }, select: { id: true } })) return;
  await storeModel(db, {
    tenantId: run.tenantId,
    jobId: run.id,
    name: spec.modelName,
    summary: result.summary,
    modelJson: result.artifact.modelJson,
    weights: result.artifact.weights,
    preprocessing: (result.artifact.modelJson.userDefinedMetadata as { preprocessing?: unknown } | undefined)?.preprocessing,
    baseModelId: spec.base?.modelId ?? null,
    reusedLayers: reusedLayerNames(result.summary, spec),
    source: 'trained',
  });
}

/**
 * Ends the run, if this attempt still holds it (a newer attempt may have taken over after this
 * worker lost its queue lock), then lets its checkpoint go. Two statements, each retried by the
 * client through a database outage (DB_RETRY_S), not one transaction: an interactive transaction
 * is not retried as a whole, and one cut by a restart would end the run failed. A checkpoint left
 * by a worker that died between the two is swept by the API (RETENTION_DAYS).
 */
async function finish(
  db: Db,
  runId: string,
  attempt: number,
  status: 'succeeded' | 'failed' | 'cancelled',
  extra: { error?: string; evaluation?: object } = {},
): Promise<RunOutcome> {
  // The error is shown to the tenant: never the database layer's words.
  const data = { status, finishedAt: new Date(), ...extra, ...(extra.error !== undefined ? { error: safeRunError(extra.error) } : {}) };
  const ended = await db.run.updateMany({ where: { id: runId, status: 'running', attempts: attempt }, data });
  if (ended.count === 0) return 'skipped';
  await deleteCheckpoint(db, runId);
  return status;
}

async function end(db: Db, runId: string, status: 'succeeded'): Promise<RunOutcome> {
  await db.run.updateMany({ where: { id: runId, status: { in: ['queued', 'running'] } }, data: { status, finishedAt: new Date() } });
  await deleteCheckpoint(db, runId);
  return status;
}

/** An error the user can act on: the job fails with this message. */
function userFacing(err: unknown): string | null {
  if (err instanceof SpecError) return err.details.length ? `${err.message} (${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : err.message;
  if (err instanceof JobTimeoutError) return err.message;
  if (isWasmAbort(err)) return WASM_ABORT_MESSAGE;
  if (err instanceof Error && ['TrainingDivergedError', 'NonFiniteWeightsError', 'DiagnosisStopError', 'GpuError'].includes(err.name)) return err.message;
  return null;
}

/** The names of the layers a transfer job took from its base (the first layers of its model). */
function reusedLayerNames(summary: { layers: { name: string }[] }, spec: JobSpec): string[] {
  if (!spec.base) return [];
  const ownLayers = spec.model.layers.length;
  return summary.layers.slice(0, Math.max(0, summary.layers.length - ownLayers)).map((l) => l.name);
}
