import { ApiError } from './errors.js';
import type {
  CallOptions,
  CsvUploadOptions,
  FetchLike,
  ImportModelInput,
  PredictOptions,
  TrainingClientOptions,
  WaitOptions,
  WatchOptions,
} from './options.js';
import { linkSignal, sleep } from './signals.js';
import { watchJobEvents } from './watch-job.js';
import type {
  DatasetJsonBody,
  DatasetSummary,
  DownloadedModel,
  ExportFormat,
  ExportedModel,
  Health,
  Job,
  JobCreated,
  JobDiagnostics,
  JobEvent,
  JobListOptions,
  JobMetrics,
  JobPage,
  JobSpec,
  ModelInfo,
  ModelListOptions,
  ModelPage,
  ModelShare,
  PredictInputs,
  PredictOutput,
  RetryCreated,
  RetryOptions,
  Study,
  StudyCreated,
  StudyPage,
  StudyRequest,
  Usage,
  SecretRotated,
  Webhook,
  WebhookCreated,
  WebhookDelivery,
  WebhookPatch,
  WebhookRequest,
} from './types.js';

export type { CallOptions, CsvUploadOptions, FetchLike, ImportModelInput, PredictOptions, TrainingClientOptions, WaitOptions, WatchOptions };

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/**
 * A typed client for the training service. Plain `fetch`, no Node-only APIs: it runs in
 * Node 20+, Deno, Bun and browsers.
 *
 * ```ts
 * const client = new TrainingClient({ baseUrl: 'http://127.0.0.1:3000' });
 * const { id } = await client.createJob(spec);
 * const job = await client.waitForJob(id, { onEpoch: (m) => console.log(m.epoch, m.loss) });
 * ```
 */
export class TrainingClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly headers: Record<string, string>;

  constructor(options: TrainingClientOptions) {
    if (!options?.baseUrl) throw new TypeError('TrainingClient needs a baseUrl, e.g. http://127.0.0.1:3000');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Called as a plain function: some browsers refuse a fetch detached from `window`.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
  }

  // ------------------------------------------------------------------ plumbing

  private url(path: string, query?: Record<string, string | number | undefined | null>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null) params.set(key, String(value));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends a request; a non-2xx answer becomes an ApiError. */
  private async send(
    method: string,
    path: string,
    init: { body?: unknown; query?: Record<string, string | number | undefined | null>; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...init.headers };
    let body: BodyInit | undefined;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.fetchImpl(this.url(path, init.query), { method, headers, body, signal: init.signal });
    if (!res.ok) throw await ApiError.fromResponse(res, method, path);
    return res;
  }

  /** A request whose answer has no body (204). */
  protected async noContent(method: string, path: string, init: Parameters<TrainingClient['send']>[2] = {}): Promise<void> {
    const link = linkSignal(init.signal);
    try {
      await (await this.send(method, path, { ...init, signal: link.signal })).arrayBuffer();
    } finally {
      link.dispose();
    }
  }

  protected async json<T>(method: string, path: string, init: Parameters<TrainingClient['send']>[2] = {}): Promise<T> {
    const link = linkSignal(init.signal);
    try {
      const res = await this.send(method, path, { ...init, signal: link.signal });
      return (await res.json()) as T;
    } finally {
      link.dispose();
    }
  }

  private async bytes(path: string, opts: CallOptions): Promise<ArrayBuffer> {
    const link = linkSignal(opts.signal);
    try {
      const res = await this.send('GET', path, { signal: link.signal, headers: { accept: 'application/octet-stream' } });
      return await res.arrayBuffer();
    } finally {
      link.dispose();
    }
  }

  protected static id(id: string): string {
    if (typeof id !== 'string' || !id) throw new TypeError('an id is required');
    return encodeURIComponent(id);
  }

  // ------------------------------------------------------------------ health, datasets

  /** `GET /health`: resolves with the body even when the service answers 503 (degraded). */
  async health(opts: CallOptions = {}): Promise<Health> {
    const link = linkSignal(opts.signal);
    try {
      const res = await this.fetchImpl(this.url('/health'), { headers: { accept: 'application/json', ...this.headers }, signal: link.signal });
      if (res.ok || res.status === 503) {
        const body = (await res.json().catch(() => null)) as Health | null;
        if (body && typeof body.status === 'string') return body;
      }
      throw await ApiError.fromResponse(res, 'GET', '/health');
    } finally {
      link.dispose();
    }
  }

  /** `POST /datasets` with JSON `{ name, features, labels }`. */
  createDataset(dataset: DatasetJsonBody, opts: CallOptions = {}): Promise<DatasetSummary> {
    return this.json('POST', '/datasets', { body: dataset, signal: opts.signal });
  }

  /** `POST /datasets` as a multipart CSV upload (header row; `labelColumn` names the labels). */
  uploadCsv(file: Blob | string, opts: CsvUploadOptions = {}): Promise<DatasetSummary> {
    const form = new FormData();
    if (opts.labelColumn !== undefined) form.append('labelColumn', opts.labelColumn);
    if (opts.name !== undefined) form.append('name', opts.name);
    const blob = typeof file === 'string' ? new Blob([file], { type: 'text/csv' }) : file;
    const fileName = (file as { name?: unknown }).name;
    form.append('file', blob, typeof fileName === 'string' && fileName ? fileName : (opts.name ?? 'upload.csv'));
    return this.json('POST', '/datasets', { body: form, signal: opts.signal });
  }

  /** `GET /datasets/:id`. */
  getDataset(id: string, opts: CallOptions = {}): Promise<DatasetSummary> {
    return this.json('GET', `/datasets/${TrainingClient.id(id)}`, opts);
  }

  // ------------------------------------------------------------------ studies

  /** `POST /studies`: every trial spec is checked before anything is queued; a bad one is an ApiError (400) naming the field. */
  createStudy(study: StudyRequest, opts: CallOptions = {}): Promise<StudyCreated> {
    return this.json('POST', '/studies', { body: study, signal: opts.signal });
  }

  /**
   * `GET /studies/:id`: trials, ranking (mean, std and 95% interval over repeats; each configuration
   * against the best, paired by repeat), effects, importance, warnings. `test: 'wilcoxon'` gives
   * the p-values of the Wilcoxon signed-rank test instead of the paired t-test.
   */
  getStudy(id: string, opts: CallOptions & { test?: Study['test'] } = {}): Promise<Study> {
    return this.json('GET', `/studies/${TrainingClient.id(id)}`, { query: { test: opts.test }, signal: opts.signal });
  }

  /** One page of `GET /studies` (newest first). */
  listStudies(query: { limit?: number; cursor?: string | null } = {}, opts: CallOptions = {}): Promise<StudyPage> {
    return this.json('GET', '/studies', { query: { limit: query.limit, cursor: query.cursor }, signal: opts.signal });
  }

  /** `POST /studies/:id/cancel`: cancels every trial that has not ended; 409 (ApiError `conflict`) for a study that already ended. */
  cancelStudy(id: string, opts: CallOptions = {}): Promise<{ id: string; status: Study['status']; cancelledTrials: number }> {
    return this.json('POST', `/studies/${TrainingClient.id(id)}/cancel`, opts);
  }

  /**
   * The study as it progresses: a snapshot whenever a trial changes status or finishes an
   * epoch, ending with the study's final state (polls GET /studies/:id every `pollMs`, default 1000).
   */
  async *watchStudy(id: string, opts: CallOptions & { pollMs?: number; test?: Study['test'] } = {}): AsyncGenerator<Study, void, undefined> {
    let last = '';
    for (;;) {
      const study = await this.getStudy(id, opts);
      const fingerprint = JSON.stringify([study.status, study.trials.map((t) => [t.status, t.epochs])]);
      if (fingerprint !== last) yield study;
      last = fingerprint;
      if (study.status !== 'running') return;
      await sleep(opts.pollMs ?? 1000, opts.signal);
    }
  }

  // ------------------------------------------------------------------ jobs

  /** `POST /jobs`: checks and queues a spec; a spec that cannot train is an ApiError (400) naming the field. */
  createJob(spec: JobSpec, opts: CallOptions = {}): Promise<JobCreated> {
    return this.json('POST', '/jobs', { body: spec, signal: opts.signal });
  }

  /** `GET /jobs/:id`. */
  getJob(id: string, opts: CallOptions = {}): Promise<Job> {
    return this.json('GET', `/jobs/${TrainingClient.id(id)}`, opts);
  }

  /** One page of `GET /jobs` (newest first); pass the previous page's `nextCursor` as `cursor`. */
  listJobsPage(query: JobListOptions & { cursor?: string | null } = {}, opts: CallOptions = {}): Promise<JobPage> {
    return this.json('GET', '/jobs', {
      query: { status: query.status, studyId: query.studyId, limit: query.limit, cursor: query.cursor },
      signal: opts.signal,
    });
  }

  /**
   * Every job (newest first, optionally of one `status`), fetched page by page (`limit` per page)
   * as the iteration goes: `for await (const job of client.listJobs({ status: 'running' }))`.
   */
  async *listJobs(query: JobListOptions = {}, opts: CallOptions = {}): AsyncGenerator<Job, void, undefined> {
    let cursor: string | null | undefined;
    do {
      const page = await this.listJobsPage({ ...query, cursor }, opts);
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** `GET /jobs/:id/metrics`: one row per finished epoch. */
  getMetrics(id: string, opts: CallOptions = {}): Promise<JobMetrics> {
    return this.json('GET', `/jobs/${TrainingClient.id(id)}/metrics`, opts);
  }

  /** `GET /jobs/:id/diagnostics`: gradient health per epoch and layer, and warnings. */
  getDiagnostics(id: string, opts: CallOptions = {}): Promise<JobDiagnostics> {
    return this.json('GET', `/jobs/${TrainingClient.id(id)}/diagnostics`, opts);
  }

  /**
   * `POST /jobs/:id/retry`: a new job from this one's spec with fixes applied (`applyFixes: true`
   * for every warning's fix, or a list of warning ids) and/or your own JSON `patch`. 400 (ApiError)
   * when a patch does not apply or the result is not a valid spec.
   */
  retryJob(id: string, body: RetryOptions = { applyFixes: true }, opts: CallOptions = {}): Promise<RetryCreated> {
    return this.json('POST', `/jobs/${TrainingClient.id(id)}/retry`, { body, signal: opts.signal });
  }

  /**
   * `POST /jobs/:id/retry` with no patch: replays the job, same spec and seed. The answer's
   * `replay.exact` says whether, on the original's backend and thread count, the replay's epoch
   * losses are bit-identical (cpu, wasm) or may differ slightly (`replay.reason`: GPU backends).
   */
  replayJob(id: string, opts: CallOptions & { name?: string } = {}): Promise<RetryCreated> {
    const body = opts.name === undefined ? {} : { name: opts.name };
    return this.json('POST', `/jobs/${TrainingClient.id(id)}/retry`, { body, signal: opts.signal });
  }

  /** `POST /jobs/:id/cancel`: 409 (ApiError `conflict`) for a job that already ended. */
  cancelJob(id: string, opts: CallOptions = {}): Promise<Pick<Job, 'id' | 'status'>> {
    return this.json('POST', `/jobs/${TrainingClient.id(id)}/cancel`, opts);
  }

  /**
   * The live events of a job, ending after its final status: `status` (`{ status, error? }`),
   * `epoch` (a metrics row) and `progress` (`{ epoch, batch, batches }`). Reads the
   * Server-Sent Events stream with fetch; a dropped connection is reopened with
   * `Last-Event-ID`, so no epoch is lost or repeated. Where the stream is not available (a
   * proxy that answers 404 or buffers it into something else) it polls GET /jobs/:id and
   * /metrics instead and yields the same events. Abort with `signal`, or `break` out. A stream
   * the server ends with an `error` event (its API key was revoked or expired) throws ApiError
   * (401 `unauthorized`) and is not reopened.
   */
  watchJob(id: string, opts: WatchOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
    return watchJobEvents(
      {
        openEvents: (jobId, lastEventId, signal) =>
          this.fetchImpl(this.url(`/jobs/${TrainingClient.id(jobId)}/events`), {
            headers: { ...this.headers, accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) },
            signal,
            cache: 'no-store',
          }),
        getJob: (jobId, o) => this.getJob(jobId, o),
        getMetrics: (jobId, o) => this.getMetrics(jobId, o),
      },
      id,
      opts,
    );
  }

  /**
   * Resolves with the final Job once it succeeded, failed or was cancelled (it does not throw
   * for a failed job: check `status`). `onEpoch` sees every epoch in order. Rejects with the
   * signal's reason when `signal` aborts (the job itself goes on: cancel it with cancelJob).
   */
  async waitForJob(id: string, opts: WaitOptions = {}): Promise<Job> {
    for await (const event of this.watchJob(id, opts)) {
      opts.onEvent?.(event);
      if (event.event === 'epoch') opts.onEpoch?.(event.data);
    }
    return this.getJob(id, { signal: opts.signal });
  }

  // ------------------------------------------------------------------ models

  /** `GET /models/:id`: summary (Keras parameter counts), input shape, lineage. */
  getModel(id: string, opts: CallOptions = {}): Promise<ModelInfo> {
    return this.json('GET', `/models/${TrainingClient.id(id)}`, opts);
  }

  /** One page of `GET /models` (newest first; `name` lists a registered model's versions). */
  listModelsPage(query: ModelListOptions & { cursor?: string | null } = {}, opts: CallOptions = {}): Promise<ModelPage> {
    return this.json('GET', '/models', { query: { name: query.name, limit: query.limit, cursor: query.cursor }, signal: opts.signal });
  }

  /** Every model (newest first), fetched page by page as the iteration goes. */
  async *listModels(query: ModelListOptions = {}, opts: CallOptions = {}): AsyncGenerator<ModelInfo, void, undefined> {
    let cursor: string | null | undefined;
    do {
      const page = await this.listModelsPage({ ...query, cursor }, opts);
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * The trained model in TensorFlow.js layers format: its model.json and the weight files it
   * names, concatenated in manifest order (what `tf.io.fromMemory` or a `weights.bin` beside
   * model.json wants).
   */
  async downloadModel(id: string, opts: CallOptions = {}): Promise<DownloadedModel> {
    const base = `/models/${TrainingClient.id(id)}/artifact`;
    const modelJson = await this.json<DownloadedModel['modelJson']>('GET', `${base}/model.json`, opts);
    const paths = (modelJson.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
    const parts = await Promise.all(paths.map((p) => this.bytes(`${base}/${p.split('/').map(encodeURIComponent).join('/')}`, opts)));
    const total = parts.reduce((n, part) => n + part.byteLength, 0);
    const weights = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      weights.set(new Uint8Array(part), offset);
      offset += part.byteLength;
    }
    return { modelJson, weights: weights.buffer };
  }

  /**
   * `GET /models/:id/export`: the model as one file, ONNX (default; inputs `input`, outputs
   * `output`, channels last, a dynamic batch dimension) or the TensorFlow.js artifact as a ZIP.
   * An ApiError 400 names a layer ONNX cannot express.
   */
  async exportModel(id: string, format: ExportFormat = 'onnx', opts: CallOptions = {}): Promise<ExportedModel> {
    const link = linkSignal(opts.signal);
    try {
      const res = await this.send('GET', `/models/${TrainingClient.id(id)}/export`, {
        query: { format },
        signal: link.signal,
        headers: { accept: 'application/octet-stream, application/zip, application/json' },
      });
      const disposition = res.headers.get('content-disposition') ?? '';
      const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `model.${format === 'onnx' ? 'onnx' : 'zip'}`;
      return { fileName, contentType: res.headers.get('content-type') ?? 'application/octet-stream', bytes: await res.arrayBuffer() };
    } finally {
      link.dispose();
    }
  }

  /** `POST /models/:id/predict`: inputs shaped like the training features; the saved preprocessing is applied first. With `mcDropout`, the mean and `std` over passes with dropout active. */
  predict(id: string, inputs: PredictInputs, opts: PredictOptions = {}): Promise<PredictOutput> {
    const body = opts.mcDropout ? { inputs, mcDropout: opts.mcDropout } : { inputs };
    return this.json('POST', `/models/${TrainingClient.id(id)}/predict`, { body, signal: opts.signal });
  }

  /** `DELETE /models/:id`: its weights go (a tombstone keeps lineage); 409 (ApiError) while a queued or running job builds on it. */
  deleteModel(id: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/models/${TrainingClient.id(id)}`, opts);
  }

  /** `POST /models/:id/shares`: another tenant may read the model, predict with it and use it as a base. */
  shareModel(id: string, tenantId: string, opts: CallOptions = {}): Promise<ModelShare> {
    return this.json('POST', `/models/${TrainingClient.id(id)}/shares`, { body: { tenantId }, signal: opts.signal });
  }

  /** `GET /models/:id/shares`: the tenants a model of yours is shared with. */
  async listModelShares(id: string, opts: CallOptions = {}): Promise<ModelShare[]> {
    return (await this.json<{ items: ModelShare[] }>('GET', `/models/${TrainingClient.id(id)}/shares`, opts)).items;
  }

  /** `DELETE /models/:id/shares/:tenantId`: that tenant no longer sees the model. */
  unshareModel(id: string, tenantId: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/models/${TrainingClient.id(id)}/shares/${TrainingClient.id(tenantId)}`, opts);
  }

  /** `DELETE /jobs/:id`: an ended job with its metrics, diagnostics and checkpoint; 409 (ApiError) while it is queued or running. */
  deleteJob(id: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/jobs/${TrainingClient.id(id)}`, opts);
  }

  /** `DELETE /datasets/:id`; 409 (ApiError) while a queued or running job uses it. */
  deleteDataset(id: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/datasets/${TrainingClient.id(id)}`, opts);
  }

  /** `GET /usage`: your tenant's jobs and stored bytes against its quotas. */
  usage(opts: CallOptions = {}): Promise<Usage> {
    return this.json('GET', '/usage', opts);
  }

  /** `POST /models`: imports a TensorFlow.js layers model (e.g. one downloadModel returned) to use as a `base`. */
  importModel(model: ImportModelInput, opts: CallOptions = {}): Promise<ModelInfo> {
    const { weights } = model;
    const base64 =
      typeof weights === 'string'
        ? weights
        : toBase64(weights instanceof ArrayBuffer ? new Uint8Array(weights) : new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    return this.json('POST', '/models', {
      body: { modelJson: model.modelJson, weights: base64, ...(model.name !== undefined ? { name: model.name } : {}) },
      signal: opts.signal,
    });
  }

  // ------------------------------------------------------------------ webhooks

  /** `POST /webhooks`: the answer's `secret` (`whsec_...`) is the only time it is shown; keep it to verify deliveries (verifyWebhook). */
  createWebhook(body: WebhookRequest, opts: CallOptions = {}): Promise<WebhookCreated> {
    return this.json('POST', '/webhooks', { body, signal: opts.signal });
  }

  /** `GET /webhooks`. */
  async listWebhooks(opts: CallOptions = {}): Promise<Webhook[]> {
    return (await this.json<{ items: Webhook[] }>('GET', '/webhooks', opts)).items;
  }

  /** `GET /webhooks/:id`. */
  getWebhook(id: string, opts: CallOptions = {}): Promise<Webhook> {
    return this.json('GET', `/webhooks/${TrainingClient.id(id)}`, opts);
  }

  /** `PATCH /webhooks/:id`: url, events, description, or `enabled` (true re-enables a disabled one). */
  updateWebhook(id: string, patch: WebhookPatch, opts: CallOptions = {}): Promise<Webhook> {
    return this.json('PATCH', `/webhooks/${TrainingClient.id(id)}`, { body: patch, signal: opts.signal });
  }

  /** `DELETE /webhooks/:id`, with its delivery log. */
  deleteWebhook(id: string, opts: CallOptions = {}): Promise<void> {
    return this.noContent('DELETE', `/webhooks/${TrainingClient.id(id)}`, opts);
  }

  /** `POST /webhooks/:id/rotate-secret`: a new secret; the old one still signs until `previousSecretExpiresAt`. */
  rotateWebhookSecret(id: string, opts: CallOptions = {}): Promise<SecretRotated> {
    return this.json('POST', `/webhooks/${TrainingClient.id(id)}/rotate-secret`, opts);
  }

  /** `GET /webhooks/:id/deliveries`: newest first. */
  async listWebhookDeliveries(
    id: string,
    query: { limit?: number; status?: WebhookDelivery['status'] } = {},
    opts: CallOptions = {},
  ): Promise<WebhookDelivery[]> {
    const page = await this.json<{ items: WebhookDelivery[] }>('GET', `/webhooks/${TrainingClient.id(id)}/deliveries`, {
      query: { limit: query.limit, status: query.status },
      signal: opts.signal,
    });
    return page.items;
  }

  /** `POST /webhooks/:id/deliveries/:deliveryId/redeliver` (202); 409 while it is still being retried. */
  redeliverWebhook(id: string, deliveryId: string, opts: CallOptions = {}): Promise<{ id: string; status: 'pending'; nextAttemptAt: string }> {
    return this.json('POST', `/webhooks/${TrainingClient.id(id)}/deliveries/${TrainingClient.id(deliveryId)}/redeliver`, opts);
  }
}
