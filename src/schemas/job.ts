import { Type, type Static } from 'typebox';
import { LiteralUnion } from './common.js';
import { JsonPatch, WarningFields, WarningKindSchema } from './diagnosis.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobStatus = LiteralUnion(JOB_STATUSES, { description: 'queued -> running -> succeeded | failed | cancelled' });
export type JobStatus = Static<typeof JobStatus>;

const nullable = <T extends import('typebox').TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description === undefined ? {} : { description });

export const EpochRow = Type.Object(
  {
    epoch: Type.Integer({ description: '1-based, counted on across phases' }),
    phase: Type.Union([Type.Literal('train'), Type.Literal('fine_tune')], { description: '`train` (the `fit` phase) or `fine_tune` (the `fineTune` phase)' }),
    loss: Type.Number({ description: 'Training loss, averaged over the epoch (Keras history `loss`)' }),
    accuracy: nullable(Type.Number(), 'Training accuracy, 0..1; null without the `accuracy` metric'),
    val_loss: nullable(Type.Number(), 'Validation loss; null without `validation`'),
    val_accuracy: nullable(Type.Number(), 'Validation accuracy, 0..1; null without `validation` or the `accuracy` metric'),
    durationMs: Type.Integer({ description: 'Wall time of the epoch, milliseconds' }),
  },
  { title: 'EpochMetrics', description: "One epoch's metrics, with the Keras history keys" },
);

export const Warning = Type.Object(
  {
    id: WarningFields.id,
    epoch: nullable(Type.Integer(), 'The epoch it was seen after; 0 for the first batch before training; null when not tied to one'),
    kind: WarningKindSchema,
    layer: nullable(Type.String(), 'The layer it concerns; null for the whole model'),
    severity: WarningFields.severity,
    message: Type.String({ description: 'What was seen' }),
    advice: WarningFields.advice,
    evidence: WarningFields.evidence,
    fix: WarningFields.fix,
  },
  { title: 'Warning', description: 'A training-health problem seen during training, with advice' },
);

export const RunEnvironment = Type.Object(
  {
    tfjs: nullable(Type.String(), 'TensorFlow.js version'),
    backend: Type.String({ description: 'The tfjs backend that ran it: `cpu`, `wasm`, `tensorflow`, `webgpu`' }),
    backendDetail: nullable(Type.String(), 'The backend in detail, e.g. `wasm (simd, 2 threads)`, `tensorflow (tfjs-node-gpu)`'),
    datasetSha256: Type.String({ description: 'SHA-256 (hex) of the training samples as trained on: feature shape, float32 features, int32 labels' }),
    specSha256: Type.String({ description: 'SHA-256 (hex) of the spec as run (seed included), as JSON with sorted keys' }),
  },
  { title: 'RunEnvironment', description: 'What a run needs to be replayed, besides its spec and seed' },
);

export const Job = Type.Object(
  {
    id: Type.String({ description: 'Job id (UUID)' }),
    name: nullable(Type.String(), "The spec's `name`; null when it had none"),
    status: JobStatus,
    backend: nullable(Type.String(), 'The TensorFlow.js backend that ran it (tensorflow, webgpu, wasm, cpu); null until a worker starts it'),
    createdAt: Type.String({ format: 'date-time', description: 'When it was submitted (ISO 8601)' }),
    startedAt: nullable(Type.String({ format: 'date-time' }), 'When a worker started it (ISO 8601); null while queued'),
    finishedAt: nullable(Type.String({ format: 'date-time' }), 'When it ended (ISO 8601); null until then'),
    error: nullable(Type.String(), 'Why it failed; null unless `failed`'),
    modelId: nullable(Type.String(), 'The trained model (GET /models/{id}); null until it succeeded'),
    metrics: nullable(EpochRow, 'The last finished epoch; null before the first'),
    evaluation: nullable(
      Type.Object({
        loss: Type.Number({ description: 'Loss on the `evaluate` dataset' }),
        accuracy: nullable(Type.Number(), 'Accuracy on it, 0..1; null without the `accuracy` metric'),
      }),
      'Result on `evaluate.dataset` (Keras `model.evaluate`); null when not asked for or not done yet',
    ),
    warnings: Type.Array(Warning, { description: 'Training-health warnings; details at GET /jobs/{id}/diagnostics' }),
    attempts: Type.Integer({ description: 'How many times a worker started it' }),
    resumedFromEpoch: nullable(Type.Integer(), 'After an interrupted attempt: the checkpointed epoch training resumed after; null otherwise'),
    retryOf: nullable(Type.String(), 'The job this one retries (POST /jobs/{id}/retry); null otherwise'),
    progress: nullable(
      Type.Object({
        epoch: Type.Integer({ description: 'The epoch in progress (1-based)' }),
        batch: Type.Integer({ description: 'Batches done in it' }),
        batches: Type.Integer({ description: 'Batches per epoch' }),
      }),
      'Where a running job is inside its epoch; null when not running',
    ),
    studyId: Type.Optional(nullable(Type.String(), 'The study this job is a trial of (GET /studies/{id}); null for a job of its own')),
    trial: Type.Optional(
      nullable(
        Type.Object({
          index: Type.Integer({ description: "Its place in the study's plan" }),
          parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'Parameter -> the value it took' }),
        }),
        'For a study trial: its place in the plan and its parameters',
      ),
    ),
    spec: Type.Optional(Type.Unknown({ description: 'The spec as accepted, defaults filled in' })),
    seed: nullable(
      Type.Integer(),
      "The seed every random choice of the run derives from: the spec's `fit.seed`, or the one the service picked when the spec had none (null only for jobs stored before seeds were recorded)",
    ),
    environment: nullable(RunEnvironment, 'What the run trained on; null until a worker starts it'),
    backendDetail: Type.Optional(
      nullable(Type.String(), "The backend's detail (wasm's SIMD and threads, the native package, the GPU adapter); null until a worker starts it"),
    ),
  },
  { title: 'Job' },
);
export type Job = Static<typeof Job>;

export const JobCreated = Type.Object(
  {
    id: Type.String({ description: 'Job id (UUID): follow it at GET /jobs/{id} or /jobs/{id}/events' }),
    status: Type.Literal('queued', { description: 'Always `queued`' }),
  },
  { title: 'JobCreated' },
);

export const JobListQuery = Type.Object({
  status: Type.Optional(JobStatus),
  studyId: Type.Optional(Type.String({ maxLength: 100, description: 'Only the trials of this study' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only jobs whose name contains this text (case-insensitive)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100, default 20' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
});

export const MetricsBody = Type.Object({ epochs: Type.Array(EpochRow, { description: 'One row per finished epoch, in order' }) }, { title: 'JobMetrics' });

export const LayerDiagnostics = Type.Object({
  name: Type.String({ description: 'Layer name' }),
  gradNorm: Type.Number({ description: 'L2 norm of the loss gradient w.r.t. the kernel, on the probe batch' }),
  weightNorm: Type.Number({ description: 'L2 norm of the kernel' }),
  updateRatio: Type.Number({ description: 'Mean per-step ||update|| / ||weights|| over the epoch (healthy: about 1e-3)' }),
  activationMean: Type.Number({ description: "Mean of the layer's outputs on the probe batch" }),
  activationStd: Type.Number({ description: "Standard deviation of the layer's outputs on the probe batch (SELU nets want about 1)" }),
  deadFraction: Type.Number({ description: 'Fraction of units that output zero on the whole probe batch' }),
});

export const DiagnosticsBody = Type.Object(
  {
    epochs: Type.Array(
      Type.Object({
        epoch: Type.Integer({ description: 'Epoch number (1-based)' }),
        layers: Type.Array(LayerDiagnostics, { description: 'One entry per layer that has weights, bottom to top' }),
      }),
      { description: 'One entry per finished epoch' },
    ),
    warnings: Type.Array(Warning, { description: 'Problems seen, with advice' }),
  },
  { title: 'JobDiagnostics' },
);

export const RetryBody = Type.Object(
  {
    applyFixes: Type.Optional(
      Type.Union([Type.Literal(true), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000, uniqueItems: true })], {
        description: '`true`: apply the fix of every warning that has one; or the ids of the warnings whose fixes to apply',
      }),
    ),
    patch: Type.Optional(Type.With(JsonPatch, { description: 'An RFC 6902 JSON Patch of your own on the spec, applied after the fixes' })),
    name: Type.Optional(Type.String({ maxLength: 200, description: "The new job's name; default: the old one's" })),
  },
  { additionalProperties: false, title: 'RetryRequest', description: "How to change the old job's spec before training it again" },
);

export const RetryCreated = Type.Object(
  {
    id: Type.String({ description: "The new job's id" }),
    status: Type.Literal('queued', { description: 'Always `queued`' }),
    retryOf: Type.String({ description: 'The job it retries' }),
    replay: Type.Optional(
      Type.Object(
        {
          exact: Type.Boolean({
            description:
              "true: on the original's backend and thread count the replay's per-epoch losses are bit-identical to the original's; false: they may differ slightly",
          }),
          reason: nullable(Type.String(), 'Why the replay is not exact (a backend that is not deterministic); null when it is'),
          seed: nullable(Type.Integer(), 'The seed the replay runs with, the same as the original'),
          backend: nullable(Type.String(), "The original's backend detail: the replay is exact when a worker of the same backend and thread count runs it"),
        },
        { description: 'Present when the request had no `patch` or `applyFixes`: the new job replays the original (same spec, same seed)' },
      ),
    ),
  },
  { title: 'RetryCreated' },
);
