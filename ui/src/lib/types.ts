// The API's own schemas are the types of what it answers: nothing is written twice.
import type { Static } from 'typebox';
import type { DiagnosticsBody, EpochRow, Job as JobSchema, MetricsBody } from '../../../src/schemas/job.js';
import type { ModelInfo as ModelSchema } from '../../../src/schemas/model.js';

export type Job = Static<typeof JobSchema>;
export type EpochMetrics = Static<typeof EpochRow>;
export type Metrics = Static<typeof MetricsBody>;
export type Diagnostics = Static<typeof DiagnosticsBody>;
export type ModelInfo = Static<typeof ModelSchema>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A warning as the diagnosis reports it; the later fields arrive with the diagnosis engine. */
export type JobWarning = Job['warnings'][number] & {
  id?: string;
  severity?: 'info' | 'warning' | 'critical';
  advice?: string;
  evidence?: Record<string, unknown>;
  fix?: unknown[] | null;
};
