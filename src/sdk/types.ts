/**
 * The SDK's types, all derived from the server's TypeBox schemas (`src/schemas`), never written
 * twice. Every import here is type-only, so nothing of TypeBox (or of the server) reaches a
 * browser bundle.
 */
import type { Static } from 'typebox';
import type { ErrorBody, Page } from '../schemas/common.js';
import type { HealthBody } from '../schemas/health.js';
import type { DatasetJsonBody, DatasetSummary } from '../schemas/dataset.js';
import type { DatasetRef, JobSpec, OptimizerSpec } from '../schemas/job-spec.js';
import type {
  DiagnosticsBody,
  EpochRow,
  Job as JobSchema,
  JobCreated as JobCreatedSchema,
  JobListQuery,
  JobStatus,
  MetricsBody,
  RetryBody,
  RetryCreated as RetryCreatedSchema,
  Warning,
} from '../schemas/job.js';
import type {
  Study as StudySchema,
  StudyCreated as StudyCreatedSchema,
  StudyRequest as StudyRequestSchema,
  StudySummary as StudySummarySchema,
} from '../schemas/study.js';
import type {
  ModelImportBody,
  ModelInfo as ModelInfoSchema,
  ModelListQuery,
  ModelShare as ModelShareSchema,
  ModelSummary,
  PredictBody,
  PredictResult,
} from '../schemas/model.js';
import type {
  AuditEvent as AuditEventSchema,
  KeyCreate,
  KeyCreated as KeyCreatedSchema,
  KeyInfo as KeyInfoSchema,
  Quotas as QuotasSchema,
  Tenant as TenantSchema,
  TenantCreate,
} from '../schemas/admin.js';
import type { UsageBody } from '../schemas/usage.js';

export type { DatasetJsonBody, DatasetRef, DatasetSummary, ErrorBody, JobSpec, JobStatus, OptimizerSpec };

/** `GET /jobs/:id`. */
export type Job = Static<typeof JobSchema>;
/** `POST /jobs` answer. */
export type JobCreated = Static<typeof JobCreatedSchema>;
/** `POST /jobs/:id/retry` body: which fixes to apply, a patch of your own, a new name. */
export type RetryOptions = Static<typeof RetryBody>;
/** `POST /jobs/:id/retry` answer. */
export type RetryCreated = Static<typeof RetryCreatedSchema>;
/** One epoch's metrics (Keras history keys). */
export type EpochMetrics = Static<typeof EpochRow>;
/** `GET /jobs/:id/metrics`. */
export type JobMetrics = Static<typeof MetricsBody>;
/** `GET /jobs/:id/diagnostics`. */
export type JobDiagnostics = Static<typeof DiagnosticsBody>;
export type JobWarning = Static<typeof Warning>;
/** Where a running job is: its epoch and the batch within it. */
export type JobProgress = NonNullable<Job['progress']>;
export type JobListOptions = Omit<Static<typeof JobListQuery>, 'cursor'>;
export type JobPage = Static<ReturnType<typeof Page<typeof JobSchema>>>;

/** `GET /models/:id`. */
export type ModelInfo = Static<typeof ModelInfoSchema>;
export type ModelSummaryInfo = Static<typeof ModelSummary>;
export type ModelListOptions = Omit<Static<typeof ModelListQuery>, 'cursor'>;
export type ModelPage = Static<ReturnType<typeof Page<typeof ModelInfoSchema>>>;
export type PredictInputs = Static<typeof PredictBody>['inputs'];
export type PredictOutput = Static<typeof PredictResult>;
export type ModelImport = Static<typeof ModelImportBody>;

/** `POST /studies` body: a base spec and the parameters to vary, or `{ preset }`. */
export type StudyRequest = Static<typeof StudyRequestSchema>;
export type StudyCreated = Static<typeof StudyCreatedSchema>;
/** `GET /studies/:id`: trials, ranking (mean, std, 95% interval; vsBest paired by repeat), best, effects, importance, warnings. */
export type Study = Static<typeof StudySchema>;
export type StudySummary = Static<typeof StudySummarySchema>;
export type StudyPage = Static<ReturnType<typeof Page<typeof StudySummarySchema>>>;
export type StudyStatus = Study['status'];

/** One `{ path, message }` of an error body. */
export type ErrorDetail = NonNullable<ErrorBody['details']>[number];

/** `GET /health`. */
export type Health = Static<typeof HealthBody>;

/** The live events of a job, as `GET /jobs/:id/events` sends them (and the polling fallback mimics). */
export type JobEvent =
  | { event: 'status'; id?: string; data: { status: JobStatus; error?: string | null } }
  | { event: 'epoch'; id?: string; data: EpochMetrics }
  | { event: 'progress'; id?: undefined; data: JobProgress };

/** `POST /models/:id/shares`. */
export type ModelShare = Static<typeof ModelShareSchema>;
/** `GET /usage`. */
export type Usage = Static<typeof UsageBody>;
export type { KeyCreate, TenantCreate };
/** A tenant's own quota overrides. */
export type Quotas = Static<typeof QuotasSchema>;
export type Tenant = Static<typeof TenantSchema>;
/** `POST /admin/keys`: `key` is shown only here. */
export type KeyCreated = Static<typeof KeyCreatedSchema>;
export type KeyInfo = Static<typeof KeyInfoSchema>;
export type AuditEvent = Static<typeof AuditEventSchema>;

/** `GET /models/:id/export`: `onnx`, or `tfjs` (model.json and weights.bin in a ZIP). */
export type ExportFormat = 'onnx' | 'tfjs';

/** An exported model file: its bytes and the file name the service gave it. */
export interface ExportedModel {
  fileName: string;
  contentType: string;
  bytes: ArrayBuffer;
}

/** A model in TensorFlow.js layers format, with its weights in manifest order. */
export interface DownloadedModel {
  modelJson: Record<string, unknown> & { weightsManifest?: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype?: string }> }> };
  weights: ArrayBuffer;
}

// Webhooks
import type {
  Delivery as DeliverySchema,
  SecretRotated as SecretRotatedSchema,
  Webhook as WebhookSchema,
  WebhookCreated as WebhookCreatedSchema,
  WebhookEventName,
  WebhookPatch as WebhookPatchSchema,
  WebhookRequest as WebhookRequestSchema,
} from '../schemas/webhook.js';
export type Webhook = Static<typeof WebhookSchema>;
export type WebhookCreated = Static<typeof WebhookCreatedSchema>;
export type WebhookRequest = Static<typeof WebhookRequestSchema>;
export type WebhookPatch = Static<typeof WebhookPatchSchema>;
export type WebhookDelivery = Static<typeof DeliverySchema>;
export type SecretRotated = Static<typeof SecretRotatedSchema>;
export type { WebhookEventName };
/** The JSON body of a delivery, as verifyWebhook returns it. */
export interface WebhookPayload {
  type: WebhookEventName;
  timestamp: string;
  data: { id: string; status: string; links: Record<string, string>; [field: string]: unknown };
}
