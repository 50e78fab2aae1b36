/**
 * BullMQ sandboxed processor: runs in its own process (forked by the worker), so training,
 * which blocks the event loop, never delays the worker's lock renewals. Thin by design:
 * it only wires the process-wide context and calls executeRun.
 */
// First: in force before the slow imports below load (the worker also --imports it at fork).
import { stopSignal } from './training-process-guard.js';
import { DelayedError, type SandboxedJob } from 'bullmq';
import { loadConfig } from '../infra/config.js';
import { DatasetCache } from '../data/index.js';
import type { TrainJobData } from '../infra/queue/train-queue.js';
import type { TrainingReport } from '../infra/metrics.js';
import { createPrisma } from '../infra/db/prisma.js';
import { initBackend } from '../training/backend/backend.js';
import { backendEnvironment } from '../training/backend/environment.js';
import { webgpuAdapter } from '../training/backend/webgpu.js';
import { executeRun, type WorkerContext } from './execute-run.js';
import { RUNNING_QUOTA_RETRY_MS, claimRunningSlot } from './running-quota.js';
import { unlessHandedBack } from './stop-check.js';
import { limitsFor, type QuotaLimits } from '../features/tenants/quotas.js';
import { cachedLimits } from './limits-cache.js';
import { isDatabaseOutage, outageDelayMs } from '../infra/db/db-outage.js';
import { isDbError } from '../infra/db/db-errors.js';
import { describeInternal } from '../infra/db/run-error.js';

/** A run id no run has (the nil UUID). */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

let context: Promise<Omit<WorkerContext, 'reportProgress'> & { limitsOf: (tenantId: string) => Promise<QuotaLimits> }> | undefined;

/** One database client, dataset cache and tfjs backend per child process, kept across jobs. */
function processContext() {
  context ??= (async () => {
    const config = loadConfig();
    if (!config.DATABASE_URL) throw new Error('the training process needs DATABASE_URL (set by the worker that forked it)');
    const backend = await initBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
    // Retrying: a database restart or a dropped connection pauses training instead of failing it.
    const db = createPrisma(config.DATABASE_URL, config.DATABASE_SCHEMA, { retryForMs: config.DB_RETRY_S * 1000 });
    return {
      db,
      cache: new DatasetCache(config.DATASET_CACHE_MB * 1024 * 1024),
      backend,
      environment: await backendEnvironment(),
      datasetsDir: config.DATASETS_DIR,
      verifyChecksums: config.DATASETS_VERIFY,
      jobTimeoutMs: config.JOB_TIMEOUT_S * 1000,
      checkpointEveryMs: config.CHECKPOINT_EVERY_S * 1000,
      // Read again at most every LIMITS_TTL_MS per tenant, not on each retry of a waiting run.
      limitsOf: cachedLimits((tenantId) => limitsFor(db, config, tenantId)),
    };
  })();
  return context;
}

// The backend is loaded as the process starts (the worker forks one ahead of the first job), and
// BullMQ is told the processor is loaded only then: a process the worker holds ready can train
// at once. A failure is not raised here (that would fail the load): the job meets it instead.
await processContext().catch(() => {});
// The first query pays for the connection and the query engine's start, and the first run for
// loading the training loop: paid here, by a claim of no run (it finds none and changes nothing)
// and an import. Not awaited: a database that is down leaves the jobs to their own waiting.
void processContext()
  .then((ctx) => Promise.all([claimRunningSlot(ctx.db, ctx.limitsOf, NO_RUN), import('../training/loop/run-training.js')]))
  .catch(() => {});

export default async function trainProcessor(job: SandboxedJob<TrainJobData>, token?: string, signal?: AbortSignal): Promise<TrainingReport> {
  try {
    return await train(job, token, signal);
  } catch (err) {
    // The database stayed unavailable for all of DB_RETRY_S: the job waits in the queue (delayed,
    // keeping its priority; no attempt is spent, so an outage fails no job) and whoever takes it
    // next waits for the database again.
    if (isDatabaseOutage(err)) {
      await job.moveToDelayed(Date.now() + outageDelayMs(), token);
      throw new DelayedError();
    }
    // What fails here becomes the queue job's reason, and the run's error once the queue gives
    // up on it: the tenant sees it, so never the database layer's text.
    if (isDbError(err)) throw new Error(describeInternal(err));
    throw err;
  }
}

async function train(job: SandboxedJob<TrainJobData>, token?: string, signal?: AbortSignal): Promise<TrainingReport> {
  // Handed back when the worker cancels the job (it is shutting down) or this process is told to stop.
  const handBack = signal ? AbortSignal.any([signal, stopSignal]) : stopSignal;
  // The context loads before BullMQ hands this process a job (above); were it still loading, a
  // stop would hand the job back at once rather than after the load.
  const ctx = await unlessHandedBack(processContext(), handBack);
  // Over its tenant's running-jobs quota the run waits in the queue (delayed, keeping its
  // priority; no attempt is spent) rather than failing, and asks again shortly.
  if (!(await claimRunningSlot(ctx.db, ctx.limitsOf, job.data.runId))) {
    await job.moveToDelayed(Date.now() + RUNNING_QUOTA_RETRY_MS, token);
    throw new DelayedError();
  }
  const tally = { epochs: 0, epochMs: 0, samples: 0 };
  const outcome = await executeRun({ ...ctx, tally, reportProgress: (p) => void job.updateProgress(p as never).catch(() => {}) }, job.data.runId, handBack);
  // A wasm module that ran out of memory is dead for good: the run has ended (failed), and this
  // process must not take another job, which would fail at its first tensor. Exiting makes the
  // worker fork a fresh one; the queue's retry of this job finds the run ended and skips it.
  const { backendUsable } = await import('../training/backend/backend-health.js');
  if (!(await backendUsable())) {
    process.stderr.write(`the ${ctx.backend} backend no longer computes after run ${job.data.runId}; this training process exits\n`);
    process.exit(70);
  }
  // The worker turns this into its metrics; tests and operators also see from it that nothing
  // leaks from job to job in this process.
  const { memory } = await import('@tensorflow/tfjs');
  const mem = memory();
  return {
    outcome,
    pid: process.pid,
    numTensors: mem.numTensors,
    numBytes: mem.numBytes,
    rssBytes: process.memoryUsage().rss,
    ...tally,
    cacheHits: ctx.cache.hits,
    cacheMisses: ctx.cache.misses,
    backend: { name: ctx.backend, detail: ctx.environment?.backendDetail, adapter: webgpuAdapter() },
  };
}
