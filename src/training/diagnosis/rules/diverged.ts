/**
 * Divergence (Keras's TerminateOnNaN, SageMaker's exploding_tensor on the loss): non-finite
 * weights, gradients or loss (the job stops, see TrainingDivergedError), and also a finite loss
 * far above what a constant prediction gets, or one that rose many-fold: training made it worse.
 */
import { clipNorm, scaleLearningRate } from '../fixes.js';
import type { DiagnosisContext, Finding, Rule } from '../types.js';
import { num, trainedLayers } from './helpers.js';

const ADVICE = 'Lower the learning rate (by 10x) and clip the gradients (clipNorm: 1); standardizing the inputs (dataset.standardize) also helps.';

/** The remedy for any divergence: a 10x lower learning rate and gradient clipping. */
export function divergedFix(ctx: Pick<DiagnosisContext, 'spec'>) {
  return [...scaleLearningRate(ctx.spec, 0.1), ...clipNorm(ctx.spec)];
}

/** The finding for a loss that became NaN/Infinity mid-epoch (the job stops there). */
export function nonFiniteLoss(ctx: Pick<DiagnosisContext, 'spec'>, at: { epoch: number; batch: number; loss: number }): Finding {
  return {
    layer: null,
    severity: 'critical',
    message: `Training diverged: the loss became ${at.loss} at epoch ${at.epoch}, batch ${at.batch}.`,
    advice: ADVICE,
    evidence: { loss: String(at.loss), epoch: at.epoch, batch: at.batch },
    fix: divergedFix(ctx),
  };
}

export const diverged: Rule<'diverged'> = {
  kind: 'diverged',
  check(obs, ctx, t) {
    const broken = trainedLayers(obs).find((l) => !Number.isFinite(l.gradNorm) || !Number.isFinite(l.weightNorm));
    if (broken) {
      return [
        {
          layer: broken.name,
          severity: 'critical',
          message: `Layer ${broken.name} has non-finite weights or gradients at epoch ${obs.epoch}.`,
          advice: ADVICE,
          evidence: { gradNorm: String(broken.gradNorm), weightNorm: String(broken.weightNorm) },
          fix: divergedFix(ctx),
        },
      ];
    }
    const losses = obs.history.map((h) => h.loss);
    const loss = losses.at(-1);
    if (loss == null) return [];
    const lowest = Math.min(...losses);
    const aboveBaseline = ctx.baselineLoss != null && ctx.baselineLoss > 0 && loss > t.baselineFactor * ctx.baselineLoss;
    const rose = lowest > 0 && loss > t.riseFactor * lowest;
    if (!aboveBaseline && !rose) return [];
    const message = aboveBaseline
      ? `Training diverged: the loss is ${num(loss)}, ${num(loss / ctx.baselineLoss!)} times the ${num(ctx.baselineLoss!)} of always predicting the same thing.`
      : `Training diverged: the loss rose from ${num(lowest)} to ${num(loss)}.`;
    return [
      {
        layer: null,
        severity: 'critical',
        message,
        advice: ADVICE,
        evidence: {
          loss: num(loss),
          lowestLoss: num(lowest),
          baselineLoss: ctx.baselineLoss == null ? null : num(ctx.baselineLoss),
          baselineFactor: t.baselineFactor,
          riseFactor: t.riseFactor,
        },
        fix: divergedFix(ctx),
      },
    ];
  },
};
