/**
 * Turns per-epoch diagnostics into warnings with advice. Heuristics, in the spirit of
 * the Keras/Géron rules of thumb; each (kind, layer) is reported once per job.
 */
import type { EpochDiagnostics, TrainingWarning } from './types.js';
import type { LayerProbeDetail } from './diagnostics.js';

/** Bottom-to-top gradient-norm ratio under which gradients are said to vanish. */
export const VANISHING_RATIO = 1e-3;
/** Gradient norms above this, or bottom/top ratios above this, are said to explode. */
export const EXPLODING_LIMIT = 1e3;
/** Fraction of dead units (or saturated activations) above which a layer is flagged. */
export const DEAD_FRACTION_LIMIT = 0.5;
export const SATURATION_LIMIT = 0.5;

const INIT_ADVICE =
  'Use He initialization (he_normal) with a non-saturating activation (relu, leaky_relu, elu, or selu with lecun_normal), ' +
  'or add BatchNormalization layers.';
const STEP_ADVICE = 'Enable gradient clipping (clipNorm or clipValue), lower the learning rate, or add BatchNormalization.';

/**
 * The warnings one epoch's diagnostics call for (not deduplicated; see {@link WarningLog}).
 * Gradient rules consider only layers being trained; dead-unit and saturation rules only
 * hidden layers (an output softmax/sigmoid is meant to saturate).
 */
export function diagnoseEpoch(d: EpochDiagnostics, details: LayerProbeDetail[]): TrainingWarning[] {
  const out: TrainingWarning[] = [];
  const epoch = d.epoch;
  const detail = new Map(details.map((x) => [x.name, x]));
  const warn = (kind: string, layer: string | null, message: string) => out.push({ epoch, kind, layer, message });

  const broken = d.layers.find(
    (l) => (!Number.isFinite(l.gradNorm) && detail.get(l.name)?.trainable !== false) || !Number.isFinite(l.weightNorm),
  );
  if (broken) {
    warn('diverged', broken.name, `Layer ${broken.name} has non-finite weights or gradients at epoch ${epoch}. ${STEP_ADVICE}`);
    return out;
  }

  const trained = d.layers.filter((l) => detail.get(l.name)?.trainable !== false);
  if (trained.length >= 2) {
    const bottom = trained[0];
    const top = trained[trained.length - 1];
    const ratio = bottom.gradNorm / top.gradNorm;
    if (top.gradNorm > 0 && ratio < VANISHING_RATIO) {
      warn(
        'vanishing_gradients',
        bottom.name,
        `Vanishing gradients: the gradient norm of ${bottom.name} (${fmt(bottom.gradNorm)}) is ${fmt(ratio)} times that of ` +
          `${top.name} (${fmt(top.gradNorm)}), so the lower layers barely learn. ${INIT_ADVICE}`,
      );
    }
    if (top.gradNorm > 0 && ratio > EXPLODING_LIMIT) {
      warn(
        'exploding_gradients',
        bottom.name,
        `Exploding gradients: the gradient norm grows ${fmt(ratio)}-fold from ${top.name} down to ${bottom.name}. ${STEP_ADVICE}`,
      );
    }
  }
  const huge = trained.filter((l) => l.gradNorm > EXPLODING_LIMIT).sort((a, b) => b.gradNorm - a.gradNorm)[0];
  if (huge && !out.some((w) => w.kind === 'exploding_gradients' && w.layer === huge.name)) {
    warn('exploding_gradients', huge.name, `Exploding gradients: the gradient norm of ${huge.name} is ${fmt(huge.gradNorm)}. ${STEP_ADVICE}`);
  }

  for (const l of d.layers) {
    const x = detail.get(l.name);
    if (!x || x.isOutput) continue;
    if (l.deadFraction > DEAD_FRACTION_LIMIT) {
      warn(
        'dead_units',
        l.name,
        `${Math.round(l.deadFraction * 100)}% of the units of ${l.name} output 0 for every probe sample (dead ReLUs). ` +
          'Use leaky_relu, elu or selu, He initialization, or a lower learning rate.',
      );
    }
    if (x.saturatedFraction != null && x.saturatedFraction > SATURATION_LIMIT) {
      warn(
        'saturation',
        l.name,
        `${Math.round(x.saturatedFraction * 100)}% of the ${x.activation} outputs of ${l.name} are near the function's limits, ` +
          `where its gradient is almost 0. ${INIT_ADVICE}`,
      );
    }
  }
  return out;
}

/** Collects warnings for a job, keeping the first of each (kind, layer). */
export class WarningLog {
  private readonly seen = new Set<string>();
  private readonly list: TrainingWarning[] = [];

  /** Adds warnings and returns those that were new. */
  add(warnings: TrainingWarning[]): TrainingWarning[] {
    const fresh = warnings.filter((w) => {
      const key = `${w.kind}\u0000${w.layer ?? ''}`;
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    });
    this.list.push(...fresh);
    return fresh;
  }

  /** Every warning kept so far, in order. */
  all(): TrainingWarning[] {
    return [...this.list];
  }
}

function fmt(v: number): string {
  return v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toFixed(3) : v.toExponential(2);
}
