/**
 * The service's Prometheus metrics: one prom-client registry per process; routes and workers
 * only call the helpers below, never prom-client itself. The API serves the registry at
 * GET /metrics; a worker started alone serves it on METRICS_PORT (see startMetricsServer).
 */
import http from 'node:http';
import client from 'prom-client';
import { processAlive } from './db/data-dir-lock.js';

export const registry = new client.Registry();
// Process CPU, memory, event-loop lag, GC: what every Node service dashboard starts from.
client.collectDefaultMetrics({ register: registry });

const registers = [registry];

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

/** Records one answered request. `route` is the pattern (`/jobs/:id`), never the raw URL. */
export function observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
  httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
}

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
let countQueue: (() => Promise<Partial<Record<string, number>>>) | undefined;

new client.Gauge({
  name: 'training_queue_jobs',
  help: 'Training jobs in the queue, by state (read from the queue at each scrape)',
  labelNames: ['state'] as const,
  registers,
  async collect() {
    if (!countQueue) return;
    // A queue that does not answer leaves the gauge as it was rather than failing the scrape.
    const counts = await countQueue().catch(() => null);
    if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
  },
});

/** Tells the queue-depth gauge how to count jobs (the API process calls this once). */
export function watchQueue(counts: () => Promise<Partial<Record<string, number>>>): void {
  countQueue = counts;
}

const jobsTotal = new client.Counter({
  name: 'training_jobs_total',
  help: 'Training jobs ended, by final status (succeeded, failed, cancelled): by this worker, or failed by the API reconciler for a job the queue gave up on',
  labelNames: ['status'] as const,
  registers,
});
const jobDuration = new client.Histogram({
  name: 'training_job_duration_seconds',
  help: 'Wall time of a training attempt in the worker, from pickup to its end, by status',
  labelNames: ['status'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600],
  registers,
});
const pickupDelay = new client.Histogram({
  name: 'training_job_pickup_seconds',
  help: 'Time from a job entering the queue to a worker starting it',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers,
});
const epochsTotal = new client.Counter({ name: 'training_epochs_total', help: 'Epochs trained (rate() gives epochs per second)', registers });
const samplesTotal = new client.Counter({
  name: 'training_samples_total',
  help: 'Samples trained, over all epochs (rate() gives samples per second)',
  registers,
});
const samplesPerSecond = new client.Gauge({
  name: 'training_samples_per_second',
  help: 'Throughput of the last job this worker ran: samples trained / time inside its epochs',
  registers,
});
const cacheLookups = new client.Counter({
  name: 'dataset_cache_lookups_total',
  help: "Dataset lookups in the workers' in-memory cache, by result (hit, miss)",
  labelNames: ['result'] as const,
  registers,
});
const tensors = new client.Gauge({
  name: 'tfjs_tensors',
  help: 'Live TensorFlow.js tensors in a training process after its last job (pid: that process)',
  labelNames: ['pid'] as const,
  registers,
  // A training process that has ended (its worker closed, it crashed, BullMQ replaced it) must not
  // stay on the dashboard with its last values: its series go at the next scrape.
  collect() {
    pruneTrainingProcesses();
  },
});
const tensorBytes = new client.Gauge({
  name: 'tfjs_bytes',
  help: 'Bytes held by TensorFlow.js tensors in a training process after its last job',
  labelNames: ['pid'] as const,
  registers,
});
const trainingRss = new client.Gauge({
  name: 'training_process_resident_memory_bytes',
  help: 'Resident memory of a training process after its last job',
  labelNames: ['pid'] as const,
  registers,
});
const eventStreams = new client.Gauge({ name: 'event_stream_connections', help: 'Open GET /jobs/:id/events streams', registers });

/** What a training process reports about one job (the sandboxed processor's return value). */
export interface TrainingReport {
  outcome: string;
  pid?: number;
  numTensors?: number;
  numBytes?: number;
  rssBytes?: number;
  epochs?: number;
  epochMs?: number;
  samples?: number;
  /** The process's cumulative dataset-cache counts. */
  cacheHits?: number;
  cacheMisses?: number;
  /** The backend the process trained on: a worker started alone has no tfjs of its own to name in `tfjs_backend_info`. */
  backend?: BackendInfo;
}

/** Per training process (pid) that has reported: its last cumulative dataset-cache counts. */
const lastCacheCounts = new Map<number, { hits: number; misses: number }>();

/** The pids of training processes whose series are exposed now. */
export function trainingProcessPids(): number[] {
  return [...lastCacheCounts.keys()];
}

/** Drops one training process's series (tfjs_tensors, tfjs_bytes, its resident memory) and its cache counts. */
export function forgetTrainingProcess(pid: number): void {
  const labels = { pid: String(pid) };
  tensors.remove(labels);
  tensorBytes.remove(labels);
  trainingRss.remove(labels);
  lastCacheCounts.delete(pid);
}

/**
 * Forgets the training processes that are gone. They are children of this process (BullMQ forks
 * them), so a pid that no longer exists here is an ended one; a later process that happens to get
 * the same pid starts from fresh counts.
 */
export function pruneTrainingProcesses(isAlive: (pid: number) => boolean = processAlive): void {
  for (const pid of trainingProcessPids()) if (!isAlive(pid)) forgetTrainingProcess(pid);
}

/** Records a job the worker finished, from its training process's report and the job's times. */
export function recordJob(report: TrainingReport, times: { queuedAt?: number; startedAt?: number; endedAt?: number } = {}): void {
  if (report.outcome === 'succeeded' || report.outcome === 'failed' || report.outcome === 'cancelled') jobsTotal.inc({ status: report.outcome });
  if (times.startedAt && times.endedAt) jobDuration.observe({ status: report.outcome }, Math.max(0, times.endedAt - times.startedAt) / 1000);
  if (report.epochs) epochsTotal.inc(report.epochs);
  if (report.samples) samplesTotal.inc(report.samples);
  if (report.samples && report.epochMs) samplesPerSecond.set(report.samples / (report.epochMs / 1000));
  if (report.backend) setBackendInfo(report.backend);
  if (report.pid !== undefined) {
    const pid = String(report.pid);
    if (report.numTensors !== undefined) tensors.set({ pid }, report.numTensors);
    if (report.numBytes !== undefined) tensorBytes.set({ pid }, report.numBytes);
    if (report.rssBytes !== undefined) trainingRss.set({ pid }, report.rssBytes);
    // The process reports running totals: count what is new since its last report.
    const before = lastCacheCounts.get(report.pid) ?? { hits: 0, misses: 0 };
    const hits = report.cacheHits ?? before.hits;
    const misses = report.cacheMisses ?? before.misses;
    if (hits > before.hits) cacheLookups.inc({ result: 'hit' }, hits - before.hits);
    if (misses > before.misses) cacheLookups.inc({ result: 'miss' }, misses - before.misses);
    lastCacheCounts.set(report.pid, { hits, misses });
  }
}

/**
 * A job that ends failed without a report: its training process died (or handed it back) until
 * the queue gave up on it. Counted by whoever moved the run to `failed` (the worker, or the
 * reconciler), once: only when that update changed the run.
 */
export function recordJobLost(): void {
  jobsTotal.inc({ status: 'failed' });
}

export function recordPickup(seconds: number): void {
  pickupDelay.observe(Math.max(0, seconds));
}

export function eventStreamOpened(): void {
  eventStreams.inc();
}

export function eventStreamClosed(): void {
  eventStreams.dec();
}

/** The text a scrape gets, with its content type. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Serves GET /metrics on its own port, for a worker started without the API (whose process has
 * no HTTP server). Returns the server, already listening.
 */
export async function startMetricsServer(port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

const backendInfo = new client.Gauge({
  name: 'tfjs_backend_info',
  help: 'The TensorFlow.js backend of this process (always 1): its name, description and, on webgpu, the adapter and whether it is a fallback (CPU) one',
  labelNames: ['backend', 'detail', 'adapter', 'fallback'] as const,
  registers,
});

export interface BackendInfo {
  name: string;
  detail?: string;
  adapter?: { description: string; fallback: boolean } | null;
}

/** Records which backend (and WebGPU adapter) this process, or the training processes it forks, train and predict on. */
export function setBackendInfo(backend: BackendInfo): void {
  backendInfo.reset();
  const adapter = backend.adapter;
  backendInfo.set(
    { backend: backend.name, detail: backend.detail ?? backend.name, adapter: adapter?.description ?? '', fallback: adapter ? String(adapter.fallback) : '' },
    1,
  );
}
