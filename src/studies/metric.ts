/** Which per-epoch metric a study ranks by, and which way is better. */
import type { SpecProblem } from '../core/problems.js';
import { STUDY_METRICS } from '../schemas/study.js';
import type { Mode } from './asha.js';

export type StudyMetric = (typeof STUDY_METRICS)[number];

interface SpecLike {
  validation?: unknown;
  compile?: { metrics?: readonly string[] };
}

/** val_loss when the base validates, else loss. */
export function defaultMetric(base: SpecLike): StudyMetric {
  return base.validation ? 'val_loss' : 'loss';
}

/** Why a study ranks by `metric`, in words (the request is the stored POST /studies body). */
export function metricNote(metric: StudyMetric, request: { metric?: string; preset?: string }): string {
  if (request.metric) return `ranked by ${metric}, as the study asked`;
  if (request.preset) return `ranked by ${metric}, the preset's metric`;
  return metric.startsWith('val_')
    ? `ranked by ${metric}: the base spec holds out validation data`
    : `ranked by ${metric}: the base spec has no validation data (add validation to the base spec to rank by val_${metric})`;
}

/** Losses are minimized, accuracies maximized. */
export function defaultMode(metric: StudyMetric): Mode {
  return metric.endsWith('accuracy') ? 'max' : 'min';
}

/** Why the base cannot report `metric`, or null. */
export function metricProblem(base: SpecLike, metric: StudyMetric): SpecProblem | null {
  if (metric.startsWith('val_') && !base.validation)
    return { path: '/metric', message: `${metric} needs validation data; add \`validation\` to the base spec or rank by ${metric.slice(4)}` };
  if (metric.endsWith('accuracy') && !base.compile?.metrics?.includes('accuracy')) {
    return { path: '/metric', message: `${metric} needs "accuracy" in the base spec's compile.metrics` };
  }
  return null;
}

/** The metric's value in one epoch row (Keras history keys), or null. */
export function metricValue(
  row: { loss: number; accuracy: number | null; val_loss: number | null; val_accuracy: number | null },
  metric: StudyMetric,
): number | null {
  return row[metric];
}
