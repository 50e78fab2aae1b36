import path from 'node:path';
import { Type, type Static } from 'typebox';
import Value from 'typebox/value';
import { parseSecretsKey } from './secret-box.js';

/** pino's levels: a LOG_LEVEL outside them would make the logger throw at start, without naming the variable. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Seconds between webhook delivery attempts: ten retries over about 28 hours. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5,30,120,600,1800,3600,7200,14400,28800,43200';

/** Most retries WEBHOOK_RETRY_SCHEDULE may list, and the longest wait it may name (a week). */
const MAX_WEBHOOK_RETRIES = 50;
const MAX_WEBHOOK_RETRY_WAIT_S = 7 * 86400;

/**
 * WEBHOOK_RETRY_SCHEDULE as seconds: the waits before each retry. An empty text is no retries.
 * Throws a message naming the variable and the entry at fault.
 */
export function parseRetrySchedule(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts.length > MAX_WEBHOOK_RETRIES) throw new Error(`WEBHOOK_RETRY_SCHEDULE: at most ${MAX_WEBHOOK_RETRIES} retries, not ${parts.length}`);
  return parts.map((part, i) => {
    const seconds = /^\d+(\.\d+)?$/.test(part) ? Number(part) : NaN;
    if (!Number.isFinite(seconds) || seconds > MAX_WEBHOOK_RETRY_WAIT_S) {
      throw new Error(
        `WEBHOOK_RETRY_SCHEDULE: entry ${i + 1} (${JSON.stringify(part.slice(0, 20))}) must be a number of seconds from 0 to ${MAX_WEBHOOK_RETRY_WAIT_S}, e.g. "5,30,120"`,
      );
    }
    return seconds;
  });
}

/** Every setting the service reads from the environment, with its default. */
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PUBLIC_HOST: Type.Optional(
    Type.String({
      maxLength: 260,
      description:
        'One more name (host or host:port) the keyless local mode answers to, besides loopback names; requests for any other Host are refused (DNS rebinding)',
    }),
  ),
  DATA_DIR: Type.String({ default: './data', description: 'Embedded database and caches' }),
  DATABASE_URL: Type.Optional(Type.String({ description: 'Unset: an embedded PostgreSQL under DATA_DIR' })),
  DATABASE_SCHEMA: Type.String({ default: 'public', description: 'PostgreSQL schema for the tables (tests use one each)' }),
  REDIS_URL: Type.Optional(Type.String({ description: 'Set: BullMQ on Redis; unset: BullMQ on PostgreSQL' })),
  QUEUE_NAME: Type.String({ default: 'training' }),
  TFJS_BACKEND: Type.Union([Type.Literal('auto'), Type.Literal('tensorflow'), Type.Literal('webgpu'), Type.Literal('wasm'), Type.Literal('cpu')], {
    default: 'auto',
    description: 'auto: tfjs-node-gpu, then WebGPU on a hardware adapter, tfjs-node, wasm, cpu; webgpu by name also takes a fallback (CPU) adapter',
  }),
  WASM_THREADS: Type.Integer({
    minimum: 1,
    maximum: 8,
    default: 1,
    description:
      'XNNPACK threads per training process on the wasm backend; above 1 it starts the threaded build (pays at batch 256 and larger layers; see README)',
  }),
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  DATASETS_DIR: Type.Optional(Type.String({ description: 'Built-in datasets; default DATA_DIR/datasets' })),
  DATASETS_VERIFY: Type.Boolean({ default: true, description: 'Check built-in dataset files against their published MD5s' }),
  DATASET_CACHE_MB: Type.Integer({ minimum: 0, default: 1024, description: 'Worker memory for recently used datasets' }),
  BODY_LIMIT_MB: Type.Number({
    exclusiveMinimum: 0,
    default: 64,
    description: 'Largest dataset upload or model import (JSON or CSV); other bodies have smaller limits of their own',
  }),
  MAX_EPOCHS: Type.Integer({ minimum: 1, default: 1000 }),
  MAX_LAYERS: Type.Integer({ minimum: 1, default: 200 }),
  MAX_PARAMS: Type.Integer({ minimum: 1, default: 10_000_000, description: 'Most parameters a job or an imported model may have' }),
  MAX_JOB_MEMORY_MB: Type.Integer({
    minimum: 1,
    default: 4096,
    description:
      "Most training memory a job may need (weights, the optimizer's step, one batch's training step, its data, a checkpoint), checked at POST /jobs; on the wasm backend a job's tensors must also fit its 4 GiB",
  }),
  DB_RETRY_S: Type.Number({
    minimum: 0,
    default: 120,
    description:
      'How long a worker retries a database operation while the database is unreachable (backoff up to 5 s); then the job goes back to the queue, delayed, without spending an attempt',
  }),
  REQUEST_TIMEOUT_S: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'Longest a client may take to send one request (headers and body)' }),
  HEAVY_THREADS: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 64,
      description: 'API worker threads per kind (dataset parsing, model building); default: cores - 1, 1 to 4; 0 runs that work on the event loop',
    }),
  ),
  HEAVY_TIMEOUT_S: Type.Number({
    exclusiveMinimum: 0,
    default: 120,
    description: 'Longest one parse, spec check or import may run in a worker thread before the request is a 503',
  }),
  HEAVY_QUEUE: Type.Integer({ minimum: 0, default: 32, description: 'Large requests that may wait for a worker thread (per kind); more are a 503' }),
  MAX_DATASET_SAMPLES: Type.Integer({ minimum: 1, default: 1_000_000 }),
  MAX_STUDY_TRIALS: Type.Integer({ minimum: 1, default: 500, description: 'Most trial jobs one study may plan (configurations x repeats)' }),
  CHECKPOINT_EVERY_S: Type.Number({ minimum: 0, default: 30, description: 'Least time between two checkpoints of a running job (0: after every epoch)' }),
  WORKER_LOCK_S: Type.Number({
    minimum: 1,
    // An hour: a lock is renewed on a timer, and Node's timers take at most about 24 days.
    maximum: 3600,
    default: 15,
    description:
      "How long a worker's hold on a running job lasts unless renewed (every half of it): a worker that dies without handing its job back (kill -9) gives it up to another worker within this, plus two thirds of it for the next check",
  }),
  JOB_TIMEOUT_S: Type.Integer({ minimum: 1, default: 6 * 3600, description: 'Longest a job may train' }),
  AUTH: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], {
    default: 'auto',
    description: 'auto: API keys needed once a key exists, ADMIN_API_KEY is set or HOST is not loopback; on/off force it',
  }),
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 16, description: 'An admin key of the tenant `default` (at least 16 characters); never stored' })),
  QUOTA_QUEUED_JOBS: Type.Integer({
    minimum: 0,
    default: 100,
    description: "Queued jobs per tenant at once (0: no limit); a tenant's own quotas.queuedJobs overrides it",
  }),
  QUOTA_RUNNING_JOBS: Type.Integer({ minimum: 0, default: 0, description: 'Running jobs per tenant at once; more wait in the queue (0: no limit)' }),
  QUOTA_STORAGE_MB: Type.Number({ minimum: 0, default: 0, description: 'Stored datasets, models and checkpoints per tenant, in MB (0: no limit)' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 600,
    description: 'Requests per minute per API key (0: no limit); open local mode is not limited',
  }),
  RETENTION_DAYS: Type.Number({
    minimum: 0,
    default: 0,
    description:
      "Days a checkpoint left by an ended job is kept before the API's sweep deletes it (a job that ends normally deletes its own at once); 0: at the next sweep",
  }),
  METRICS_PORT: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 65535, description: 'A worker started alone serves GET /metrics on this port (unset: not served)' }),
  ),
  WEBHOOK_ALLOW_HOSTS: Type.Optional(
    Type.String({
      maxLength: 4000,
      description:
        'Hosts (comma-separated, as written in webhook URLs) that webhooks may reach even on loopback, private, link-local or metadata addresses; every other such destination is refused',
    }),
  ),
  WEBHOOK_RETRY_SCHEDULE: Type.String({
    default: DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    maxLength: 1000,
    description: 'Seconds between delivery attempts (comma-separated; its length is the number of retries); the default spans about 28 hours',
  }),
  WEBHOOK_TIMEOUT_S: Type.Number({
    exclusiveMinimum: 0,
    maximum: 120,
    default: 10,
    description: 'Longest one delivery attempt may take (connect, send, answer)',
  }),
  WEBHOOK_MAX_RESPONSE_KB: Type.Integer({
    minimum: 1,
    maximum: 10240,
    default: 64,
    description: "Most of a receiver's answer read; a longer one ends the attempt",
  }),
  WEBHOOK_DISABLE_AFTER_S: Type.Number({
    minimum: 0,
    default: 5 * 86400,
    description: 'A webhook whose every attempt has failed for this long is disabled (0: never)',
  }),
  WEBHOOK_LOG_DAYS: Type.Number({
    exclusiveMinimum: 0,
    default: 30,
    description: "Days an ended delivery (succeeded, or failed for good) stays in its webhook's delivery log before the API's sweep deletes it",
  }),
  WEBHOOK_ROTATION_OVERLAP_S: Type.Number({
    minimum: 0,
    maximum: 7 * 86400,
    default: 86400,
    description: 'After a secret rotation, how long deliveries are also signed with the previous secret',
  }),
  SECRETS_KEY: Type.Optional(
    Type.String({
      maxLength: 200,
      description:
        '32 random bytes (64 hex characters or base64) that encrypt webhook signing secrets at rest (AES-256-GCM); the API and every worker need the same one. Unset: stored unencrypted',
    }),
  ),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info', description: `One of pino's levels: ${LOG_LEVELS.join(', ')}` }),
});

type Env = Static<typeof EnvSchema>;
export type Config = Omit<Env, 'DATASETS_DIR'> & { DATASETS_DIR: string };

/**
 * Parses the environment once. Unknown variables are ignored; a bad value fails fast with
 * the variable's name, before anything starts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(EnvSchema.properties);
  const picked: Record<string, unknown> = {};
  for (const key of known) if (env[key] !== undefined && env[key] !== '') picked[key] = env[key];
  const withDefaults = Value.Default(EnvSchema, picked);
  const converted = Value.Convert(EnvSchema, withDefaults) as Record<string, unknown>;
  const errors = [...Value.Errors(EnvSchema, converted)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.instancePath.slice(1) || '(env)'}: ${e.message}`);
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const parsed = converted as Env;
  try {
    parseRetrySchedule(parsed.WEBHOOK_RETRY_SCHEDULE);
    if (parsed.SECRETS_KEY !== undefined) parseSecretsKey(parsed.SECRETS_KEY);
  } catch (err) {
    throw new Error(`Invalid configuration:\n  ${(err as Error).message}`);
  }
  const dataDir = path.resolve(parsed.DATA_DIR);
  return { ...parsed, DATA_DIR: dataDir, DATASETS_DIR: path.resolve(parsed.DATASETS_DIR ?? path.join(dataDir, 'datasets')) };
}
