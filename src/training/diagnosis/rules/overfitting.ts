/**
 * Overfitting (SageMaker's overfit and overtraining): the validation loss rose well above its best
 * while the training loss kept falling. The fix stops at the best epoch (Keras EarlyStopping).
 */
import type { Rule } from '../types.js';
import { num } from './helpers.js';

export const overfitting: Rule<'overfitting'> = {
  kind: 'overfitting',
  check(obs, ctx, t) {
    const rows = obs.history.filter((h) => h.val_loss != null && Number.isFinite(h.val_loss));
    if (rows.length < 3) return [];
    let best = 0;
    rows.forEach((r, i) => {
      if (r.val_loss! < rows[best].val_loss!) best = i;
    });
    const last = rows[rows.length - 1];
    const since = rows.length - 1 - best;
    if (since < t.patience || !(last.val_loss! > rows[best].val_loss! * (1 + t.rise)) || !(last.loss < rows[best].loss)) return [];
    const fix = ctx.spec.fit.earlyStopping
      ? null
      : [{ op: 'add' as const, path: '/fit/earlyStopping', value: { monitor: 'val_loss', patience: 1, restoreBestWeights: true } }];
    return [
      {
        layer: null,
        severity: 'warning',
        message: `Overfitting: the validation loss rose from ${num(rows[best].val_loss!)} at epoch ${rows[best].epoch} to ${num(last.val_loss!)} while the training loss fell from ${num(rows[best].loss)} to ${num(last.loss)}.`,
        advice:
          'Stop at the best epoch (fit.earlyStopping with restoreBestWeights), regularize (Dropout, an l2 kernelRegularizer, a smaller model), or train on more data.',
        evidence: {
          bestEpoch: rows[best].epoch,
          bestValLoss: num(rows[best].val_loss!),
          valLoss: num(last.val_loss!),
          loss: num(last.loss),
          lossAtBest: num(rows[best].loss),
        },
        fix,
      },
    ];
  },
};
