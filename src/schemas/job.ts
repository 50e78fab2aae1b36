import { Type, type Static } from 'typebox';
import { LiteralUnion } from './common.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobStatus = LiteralUnion(JOB_STATUSES, { description: 'queued -> running -> succeeded | failed | cancelled' });
export type JobStatus = Static<typeof JobStatus>;

const nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const EpochRow = Type.Object(
  {
    epoch: Type.Integer({ description: '1-based, counted on across phases' }),
    phase: Type.Union([Type.Literal('train'), Type.Literal('fine_tune')]),
    loss: Type.Number(),
    accuracy: nullable(Type.Number()),
    val_loss: nullable(Type.Number()),
    val_accuracy: nullable(Type.Number()),
    durationMs: Type.Integer(),
  },
  { title: 'EpochMetrics' },
);

export const Warning = Type.Object(
  {
    epoch: nullable(Type.Integer()),
    kind: Type.String({ description: 'e.g. vanishing_gradients, exploding_gradients, dead_units, diverged, saturation, self_normalization' }),
    layer: nullable(Type.String()),
    message: Type.String({ description: 'What was seen and what to try' }),
  },
  { title: 'Warning' },
);

export const Job = Type.Object(
  {
    id: Type.String(),
    name: nullable(Type.String()),
    status: JobStatus,
    backend: nullable(Type.String({ description: 'The TensorFlow.js backend that ran it (tensorflow, wasm, cpu)' })),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: nullable(Type.String({ format: 'date-time' })),
    finishedAt: nullable(Type.String({ format: 'date-time' })),
    error: nullable(Type.String()),
    modelId: nullable(Type.String()),
    metrics: nullable(EpochRow),
    evaluation: nullable(Type.Object({ loss: Type.Number(), accuracy: nullable(Type.Number()) })),
    warnings: Type.Array(Warning),
    attempts: Type.Integer({ description: 'How many times a worker started it' }),
    resumedFromEpoch: nullable(Type.Integer({ description: 'After an interrupted attempt: the checkpointed epoch training resumed after' })),
    progress: nullable(Type.Object({ epoch: Type.Integer(), batch: Type.Integer(), batches: Type.Integer() })),
    spec: Type.Optional(Type.Unknown({ description: 'The spec as accepted, defaults filled in' })),
  },
  { title: 'Job' },
);
export type Job = Static<typeof Job>;

export const JobCreated = Type.Object({ id: Type.String(), status: Type.Literal('queued') }, { title: 'JobCreated' });

export const JobListQuery = Type.Object({
  status: Type.Optional(JobStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
});

export const MetricsBody = Type.Object({ epochs: Type.Array(EpochRow) }, { title: 'JobMetrics' });

export const LayerDiagnostics = Type.Object({
  name: Type.String(),
  gradNorm: Type.Number({ description: 'L2 norm of the loss gradient w.r.t. the kernel, on the probe batch' }),
  weightNorm: Type.Number({ description: 'L2 norm of the kernel' }),
  updateRatio: Type.Number({ description: 'Mean per-step ||update|| / ||weights|| over the epoch (healthy: about 1e-3)' }),
  activationMean: Type.Number(),
  activationStd: Type.Number(),
  deadFraction: Type.Number({ description: 'Fraction of units that output zero on the whole probe batch' }),
});

export const DiagnosticsBody = Type.Object(
  {
    epochs: Type.Array(Type.Object({ epoch: Type.Integer(), layers: Type.Array(LayerDiagnostics) })),
    warnings: Type.Array(Warning),
  },
  { title: 'JobDiagnostics' },
);
