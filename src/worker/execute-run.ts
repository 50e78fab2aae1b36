import type { DatasetCache } from '../data/index.js';
import type { JobSpec } from '../schemas/job-spec.js';
import { loadDatasetRef } from '../services/datasets.js';
import { getArtifact, storeModel } from '../services/models.js';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../storage/checkpoints.js';
import type { Db } from '../storage/prisma.js';
import type { BatchProgress, EpochMetrics, TrainingWarning } from '../training/types.js';
import { SpecError } from '../training/types.js';

/** What a worker process holds across jobs. */
export interface WorkerContext {
  db: Db;
  cache: DatasetCache;
  backend: string;
  datasetsDir: string;
  verifyChecksums: boolean;
  jobTimeoutMs: number;
  reportProgress(p: BatchProgress): void;
}

/** How often a running job looks at its row for a cancel request (and the time limit). */
const CANCEL_POLL_MS = 1_000;

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

/** An error the user can act on: the job fails with this message and is not retried. */
function userFacing(err: unknown): string | null {
  if (err instanceof SpecError) return err.details.length ? `${err.message} (${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : err.message;
  if (err instanceof Error && err.name === 'TrainingDivergedError') return err.message;
  if (err instanceof Error && err.name === 'JobTimeoutError') return err.message;
  return null;
}

class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/**
 * Thrown when this worker lets go of a run it has not finished (it is shutting down, or its
 * parent worker died): the run stays `running` and the queue gives it to another worker.
 */
export class HandBackError extends Error {
  override name = 'HandBackError';
}

/**
 * Runs one queued run from start to end: marks it running, loads its data (through the
 * worker's cache) and base model, trains, and writes each epoch's metrics as it ends and the
 * model at the end. The run row always ends in a final state, whatever happens.
 */
export async function executeRun(ctx: WorkerContext, runId: string, signal?: AbortSignal): Promise<RunOutcome> {
  const { db } = ctx;
  const run = await db.run.findUnique({ where: { id: runId } });
  // Gone, cancelled while queued, or already finished by an earlier attempt: nothing to do.
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'skipped';
  if (run.cancelRequested) {
    await db.run.update({ where: { id: runId }, data: { status: 'cancelled', finishedAt: new Date() } });
    return 'cancelled';
  }
  const spec = run.spec as unknown as JobSpec;
  const started = Date.now();
  await db.run.update({
    where: { id: runId },
    data: { status: 'running', startedAt: run.startedAt ?? new Date(), heartbeatAt: new Date(), backend: ctx.backend, attempts: { increment: 1 }, error: null },
  });
  // A retried run resumes after its last checkpoint; anything an interrupted attempt wrote
  // after that epoch is cleared, so each epoch appears exactly once.
  const resume = run.status === 'running' ? await loadCheckpoint(db, runId) : null;
  const keepUpTo = resume?.epoch ?? 0;
  await db.epochMetric.deleteMany({ where: { runId, epoch: { gt: keepUpTo } } });
  await db.epochDiagnostic.deleteMany({ where: { runId, epoch: { gt: keepUpTo } } });
  if (!resume) await deleteCheckpoint(db, runId);
  else await db.run.update({ where: { id: runId }, data: { resumedFromEpoch: resume.epoch } });

  let cancelRequested = false;
  let lastPoll = 0;
  const shouldStop = async () => {
    if (signal?.aborted) throw new HandBackError(`handed back: ${String(signal.reason ?? 'worker stopping')}`);
    // Forked by a worker that has since died: stop, so the run is not trained twice once the
    // queue gives it to another worker.
    if (process.send && !process.connected) throw new HandBackError('handed back: the worker process is gone');
    if (Date.now() - started > ctx.jobTimeoutMs) throw new JobTimeoutError(`the job ran longer than its limit of ${Math.round(ctx.jobTimeoutMs / 1000)} s (JOB_TIMEOUT_S)`);
    if (Date.now() - lastPoll >= CANCEL_POLL_MS) {
      lastPoll = Date.now();
      // One round trip: say we are alive, and learn whether a cancel was asked for.
      const row = await db.run.update({ where: { id: runId }, data: { heartbeatAt: new Date() }, select: { cancelRequested: true } }).catch(() => null);
      cancelRequested = row?.cancelRequested ?? cancelRequested;
    }
    return cancelRequested;
  };

  const diagnosticWarnings: TrainingWarning[] = [];
  try {
    const source = { cache: ctx.cache, datasetsDir: ctx.datasetsDir, verifyChecksums: ctx.verifyChecksums };
    const train = await loadDatasetRef(db, spec.dataset, source, '/dataset');
    const validation = spec.validation?.dataset ? await loadDatasetRef(db, spec.validation.dataset, source, '/validation/dataset') : undefined;
    const evaluate = spec.evaluate ? await loadDatasetRef(db, spec.evaluate.dataset, source, '/evaluate/dataset') : undefined;
    const baseArtifact = spec.base ? await getArtifact(db, spec.base.modelId) : undefined;

    const { runTrainingJob } = await import('../training/run-job.js');
    const result = await runTrainingJob({
      spec,
      data: { train, validation, evaluate },
      base: baseArtifact ? { modelJson: baseArtifact.modelJson, weights: baseArtifact.weights } : undefined,
      hooks: {
        onEpoch: (row: EpochMetrics) => saveEpoch(db, runId, row),
        onProgress: (p) => ctx.reportProgress(p),
        onDiagnostics: async (d, warnings) => {
          // Spec-level warnings were recorded when the job was accepted.
          diagnosticWarnings.push(...warnings.filter((w) => w.kind !== 'self_normalization'));
          await db.epochDiagnostic.upsert({
            where: { runId_epoch: { runId, epoch: d.epoch } },
            create: { runId, epoch: d.epoch, layers: d.layers as object[] },
            update: { layers: d.layers as object[] },
          });
          await db.run.update({ where: { id: runId }, data: { diagnosticWarnings: diagnosticWarnings as object[] } });
        },
        shouldStop,
        onCheckpoint: async (capture) => saveCheckpoint(db, runId, await capture()),
      },
      resume: resume ?? undefined,
    });

    await deleteCheckpoint(db, runId);
    if (result.status === 'cancelled') {
      await db.run.update({ where: { id: runId }, data: { status: 'cancelled', finishedAt: new Date() } });
      return 'cancelled';
    }
    const existing = await db.model.findUnique({ where: { jobId: runId }, select: { id: true } });
    if (!existing) {
      await storeModel(db, {
        jobId: runId,
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
    await db.run.update({
      where: { id: runId },
      data: { status: 'succeeded', finishedAt: new Date(), evaluation: result.evaluation ?? undefined },
    });
    return 'succeeded';
  } catch (err) {
    if (err instanceof HandBackError) throw err;
    const message = userFacing(err) ?? `internal error while training: ${(err as Error).message ?? String(err)}`;
    await deleteCheckpoint(db, runId).catch(() => {});
    await db.run.update({ where: { id: runId }, data: { status: 'failed', finishedAt: new Date(), error: message } });
    return 'failed';
  }
}

async function saveEpoch(db: Db, runId: string, row: EpochMetrics): Promise<void> {
  const data = {
    phase: row.phase,
    loss: finiteOr(row.loss, Number.MAX_VALUE),
    accuracy: row.accuracy,
    valLoss: row.val_loss,
    valAccuracy: row.val_accuracy,
    durationMs: Math.round(row.durationMs),
  };
  await db.epochMetric.upsert({ where: { runId_epoch: { runId, epoch: row.epoch } }, create: { runId, epoch: row.epoch, ...data }, update: data });
}

const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

/** The names of the layers a transfer job took from its base (the first layers of its model). */
function reusedLayerNames(summary: { layers: { name: string }[] }, spec: JobSpec): string[] {
  if (!spec.base) return [];
  const ownLayers = spec.model.layers.length;
  return summary.layers.slice(0, Math.max(0, summary.layers.length - ownLayers)).map((l) => l.name);
}
