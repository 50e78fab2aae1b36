import type { JobSpec } from '../schemas/job-spec.js';
import { toEpochRow } from '../features/jobs/jobs.js';
import { ashaDecision, ashaRungs, type AshaSettings, type Mode } from '../studies/asha.js';
import { metricValue, type StudyMetric } from '../studies/metric.js';
import type { Db } from '../infra/db/prisma.js';
import type { EpochMetrics } from '../core/run-types.js';

/** What the training loop asks of an ASHA trial: a decision after each epoch, and whether it was stopped. */
export interface TrialStop {
  afterEpoch(row: EpochMetrics): Promise<void>;
  readonly stopped: boolean;
}

/**
 * For a trial of an ASHA study: at each rung epoch, its metric is compared with what the trials
 * that reached the rung before it recorded there (their epoch rows), and it stops unless it is
 * within their best 1/eta. Decided here, in the training process, as the epoch ends, so a fast
 * trial cannot run past its rung before anyone looks. A stopped trial records the rung in
 * `stoppedAtEpoch` and asks for its own cancel: its job ends `cancelled` with its epochs kept
 * and no model stored. Returns null for any other run.
 */
export async function ashaTrialStop(
  db: Db,
  run: { id: string; studyId: string | null; spec: unknown; stoppedAtEpoch: number | null },
): Promise<TrialStop | null> {
  if (!run.studyId) return null;
  const study = await db.study.findUnique({ where: { id: run.studyId }, select: { method: true, metric: true, mode: true, asha: true } });
  if (!study || study.method !== 'asha' || !study.asha) return null;
  const settings = study.asha as unknown as AshaSettings;
  const spec = run.spec as JobSpec;
  const rungs = new Set(ashaRungs(spec.fit.epochs + (spec.fineTune?.epochs ?? 0), settings));
  const metric = study.metric as StudyMetric;
  let stopped = run.stoppedAtEpoch !== null;
  return {
    get stopped() {
      return stopped;
    },
    async afterEpoch(row) {
      if (stopped || !rungs.has(row.epoch)) return;
      const value = metricValue(row, metric) ?? Number.NaN;
      const earlier = await db.epochMetric.findMany({ where: { epoch: row.epoch, runId: { not: run.id }, run: { studyId: run.studyId } } });
      const recorded = earlier.map((e) => metricValue(toEpochRow(e), metric) ?? Number.NaN);
      if (!ashaDecision(value, recorded, study.mode as Mode, settings.reductionFactor).stop) return;
      stopped = true;
      await db.run.update({ where: { id: run.id }, data: { stoppedAtEpoch: row.epoch, cancelRequested: true } });
    },
  };
}
