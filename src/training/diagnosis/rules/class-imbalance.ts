/**
 * Class imbalance (SageMaker's class_imbalance): the training labels are heavily skewed, so the
 * loss is dominated by the common classes. The fix weighs each class inversely to its frequency.
 */
import type { Rule } from '../types.js';
import { num } from './helpers.js';

export const classImbalance: Rule<'class_imbalance'> = {
  kind: 'class_imbalance',
  check(obs, ctx, t) {
    // With class weights the loss already counts every class alike: the remedy is in place.
    if (ctx.spec.fit.classWeight) return [];
    const present = (ctx.labelCounts ?? []).map((count, label) => ({ label, count })).filter((c) => c.count > 0);
    if (present.length < 2) return [];
    const most = present.reduce((a, b) => (b.count > a.count ? b : a));
    const least = present.reduce((a, b) => (b.count < a.count ? b : a));
    const ratio = most.count / least.count;
    if (!(ratio > t.ratio)) return [];
    return [
      {
        layer: null,
        severity: 'warning',
        message: `The training labels are imbalanced: class ${most.label} has ${most.count} samples, class ${least.label} only ${least.count} (${num(ratio)}:1).`,
        advice: 'Weigh the classes inversely to their frequency (fit.classWeight: "balanced"), or collect or resample data so the classes are closer to even.',
        evidence: {
          majorityClass: most.label,
          majorityCount: most.count,
          minorityClass: least.label,
          minorityCount: least.count,
          ratio: num(ratio),
          threshold: t.ratio,
        },
        fix: [{ op: 'add', path: '/fit/classWeight', value: 'balanced' }],
      },
    ];
  },
};
