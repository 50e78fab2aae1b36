/**
 * The rule registry: which rules exist, how a spec's `diagnostics.rules` tunes them, and the
 * per-job log that turns findings into warnings with stable ids (one per kind and layer).
 */
import { DIAGNOSIS_RULES, type ThresholdDef, type WarningKind } from '../../core/diagnosis-catalog.js';
import type { TrainingWarning } from '../../core/run-types.js';
import { classImbalance } from './rules/class-imbalance.js';
import { deadUnits } from './rules/dead-units.js';
import { diverged } from './rules/diverged.js';
import { explodingActivations } from './rules/exploding-activations.js';
import { explodingGradients } from './rules/exploding-gradients.js';
import { learningRateTooHigh, learningRateTooLow } from './rules/learning-rate.js';
import { lossNotDecreasing } from './rules/loss-not-decreasing.js';
import { overfitting } from './rules/overfitting.js';
import { poorInitialization } from './rules/poor-initialization.js';
import { saturation } from './rules/saturation.js';
import { unscaledInputs } from './rules/unscaled-inputs.js';
import { vanishingGradients } from './rules/vanishing-gradients.js';
import type { DiagnosisContext, Finding, Observation, Rule } from './types.js';

/** Every rule, in the catalog's order (the order their warnings are listed). */
const RULE_LIST: ReadonlyArray<Rule> = [
  unscaledInputs,
  classImbalance,
  poorInitialization,
  explodingActivations,
  diverged,
  vanishingGradients,
  explodingGradients,
  deadUnits,
  saturation,
  learningRateTooHigh,
  learningRateTooLow,
  lossNotDecreasing,
  overfitting,
] as Rule[];
const byKind = new Map(RULE_LIST.map((r) => [r.kind, r]));
export const RULES: ReadonlyArray<Rule> = Object.keys(DIAGNOSIS_RULES).map((kind) => {
  const rule = byKind.get(kind as Rule['kind']);
  if (!rule) throw new Error(`the diagnosis catalog names ${kind}, which has no rule`);
  return rule;
});

/** A spec's settings for one rule: `action` and any of the rule's thresholds. */
export interface RuleSettings {
  action?: 'warn' | 'stop';
  enabled?: boolean;
  [threshold: string]: number | string | boolean | undefined;
}
export type RulesConfig = Partial<Record<string, RuleSettings>>;

/** The stable id of a warning within its job: its kind and the layer it concerns. */
export function warningId(kind: WarningKind, layer: string | null): string {
  return `${kind}:${layer ?? 'model'}`;
}

/** Thrown when a warning's rule has `action: "stop"`: the job ends `failed` with its message. */
export class DiagnosisStopError extends Error {
  constructor(readonly warning: TrainingWarning) {
    super(`Stopped by the ${warning.kind} rule (diagnostics.rules.${warning.kind}.action = "stop"): ${warning.message}`);
    this.name = 'DiagnosisStopError';
  }
}

/**
 * Runs the rules over a job's observations and keeps the first warning of each id. `start` runs
 * the rules that judge the untrained model (call it once, with epoch 0), `afterEpoch` the others.
 */
export class Diagnosis {
  private readonly seen = new Set<string>();

  constructor(
    private readonly ctx: DiagnosisContext,
    private readonly config: RulesConfig = {},
  ) {}

  /** Warnings first raised by the start rules; throws DiagnosisStopError for a stopping rule. */
  start(obs: Observation): TrainingWarning[] {
    return this.run(obs, 'start');
  }

  /** Warnings first raised after this epoch; throws DiagnosisStopError for a stopping rule. */
  afterEpoch(obs: Observation): TrainingWarning[] {
    return this.run(obs, 'epoch');
  }

  /** Records a warning raised outside the rules (a NaN loss); returns it unless already seen. */
  record(kind: WarningKind, epoch: number, finding: Finding): TrainingWarning[] {
    return this.fresh(kind, epoch, [finding]);
  }

  /** The stopping warning among `warnings`, if any rule that raised one says stop. */
  stopping(warnings: TrainingWarning[]): TrainingWarning | undefined {
    return warnings.find((w) => this.config[w.kind]?.action === 'stop');
  }

  private run(obs: Observation, when: 'start' | 'epoch'): TrainingWarning[] {
    const out: TrainingWarning[] = [];
    for (const rule of RULES) {
      const { when: ruleWhen } = DIAGNOSIS_RULES[rule.kind];
      if ((ruleWhen !== when && ruleWhen !== 'both') || this.config[rule.kind]?.enabled === false) continue;
      out.push(...this.fresh(rule.kind, obs.epoch, rule.check(obs, this.ctx, thresholdsFor(rule, this.config[rule.kind]))));
    }
    return out;
  }

  private fresh(kind: WarningKind, epoch: number, findings: Finding[]): TrainingWarning[] {
    const out: TrainingWarning[] = [];
    for (const f of findings) {
      const id = warningId(kind, f.layer);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      out.push({ id, epoch, kind, ...f });
    }
    return out;
  }
}

/** A rule's thresholds: the spec's values over the defaults. */
function thresholdsFor(rule: Rule, settings: RuleSettings | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, def] of Object.entries(DIAGNOSIS_RULES[rule.kind].thresholds as Record<string, ThresholdDef>)) {
    const v = settings?.[name];
    out[name] = typeof v === 'number' ? v : def.default;
  }
  return out;
}
