/**
 * Learning rate too high / too low (SageMaker's weight_update_ratio): the mean relative change of
 * the weights per step, against the ~1e-3 rule of thumb (Karpathy's CS231n notes), with the loss
 * to confirm: oscillating when too high, barely moving when too low. The fix rescales the rate by
 * the measured distance from 1e-3, in powers of ten.
 */
import { learningRateOf } from '../fixes.js';
import type { JsonPatch, Observation, Rule } from '../types.js';
import { fmt, median, num, trainedLayers } from './helpers.js';

/** The healthy per-step update/weight ratio the fix aims for. */
const TARGET_RATIO = 1e-3;

function medianRatio(obs: Observation): number {
  // Layers whose weights are exactly 0 have no ratio (loss_not_decreasing reports those).
  return median(
    trainedLayers(obs)
      .filter((l) => l.weightNorm > 0 && Number.isFinite(l.updateRatio))
      .map((l) => l.updateRatio),
  );
}

/** The learning rate moved by the power of ten closest to TARGET / ratio, at least 10x, at most 1000x. */
function rescale(spec: Parameters<typeof learningRateOf>[0], ratio: number, direction: 1 | -1): JsonPatch {
  const powers = Math.min(3, Math.max(1, Math.round(Math.abs(Math.log10(ratio / TARGET_RATIO)))));
  const lr = Math.min(10, Number((learningRateOf(spec) * 10 ** (direction * powers)).toPrecision(2)));
  return [{ op: 'add', path: '/compile/optimizer/learningRate', value: lr }];
}

/** How many of the last `window` epoch-to-epoch changes of the loss were rises. */
function rises(losses: number[], window: number): number {
  const recent = losses.slice(-window - 1);
  return recent.slice(1).filter((l, i) => l > recent[i]).length;
}

export const learningRateTooHigh: Rule<'learning_rate_too_high'> = {
  kind: 'learning_rate_too_high',
  check(obs, ctx, t) {
    const ratio = medianRatio(obs);
    if (!Number.isFinite(ratio)) return [];
    const losses = obs.history.map((h) => h.loss);
    const oscillating = losses.length >= 4 && rises(losses, 3) >= 2;
    if (!(ratio > t.updateRatio) && !(oscillating && ratio > t.oscillationRatio)) return [];
    return [
      {
        layer: null,
        severity: ratio > t.updateRatio * 10 ? 'critical' : 'warning',
        message: `The learning rate looks too high: each step changes the weights by ${fmt(ratio)} of their norm (median over layers; about 1e-3 is healthy)${oscillating ? ' and the loss goes up and down' : ''}.`,
        advice: 'Lower the learning rate (the fix divides it by the measured excess, in powers of ten), or use a schedule that decays it.',
        evidence: { medianUpdateRatio: num(ratio), learningRate: learningRateOf(ctx.spec), oscillating, threshold: t.updateRatio },
        fix: rescale(ctx.spec, ratio, -1),
      },
    ];
  },
};

export const learningRateTooLow: Rule<'learning_rate_too_low'> = {
  kind: 'learning_rate_too_low',
  check(obs, ctx, t) {
    const ratio = medianRatio(obs);
    const losses = obs.history.map((h) => h.loss);
    if (!Number.isFinite(ratio) || ratio <= 0 || losses.length === 0) return [];
    const before = losses.length >= 2 ? losses[losses.length - 2] : ctx.baselineLoss;
    const last = losses[losses.length - 1];
    if (before == null || !(before > 0)) return [];
    const improvement = (before - last) / before;
    if (!(ratio < t.updateRatio) || !(improvement < t.improvement)) return [];
    return [
      {
        layer: null,
        severity: 'warning',
        message: `The learning rate looks too low: each step changes the weights by only ${fmt(ratio)} of their norm (about 1e-3 is healthy) and the loss improved by ${fmt(improvement * 100)}% in the last epoch.`,
        advice: 'Raise the learning rate (the fix multiplies it by the measured shortfall, in powers of ten).',
        evidence: { medianUpdateRatio: num(ratio), learningRate: learningRateOf(ctx.spec), improvement: num(improvement), threshold: t.updateRatio },
        fix: rescale(ctx.spec, ratio, 1),
      },
    ];
  },
};
