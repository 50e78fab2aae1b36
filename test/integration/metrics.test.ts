import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

const tinyJob = (seed: number) =>
  smallFashionJob({
    dataset: { builtin: 'fashion-mnist', limit: 64, seed: 1 },
    validation: { split: 0.25 },
    evaluate: undefined,
    fit: { epochs: 2, batchSize: 16, seed },
  });

describe('Prometheus metrics: the API at GET /metrics, a worker alone on METRICS_PORT', () => {
  let h: Harness;
  let worker: ChildProcess;
  let workerMetrics: string;
  const workerLines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    h = await startHarness();
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    worker = await h.startWorker({ METRICS_PORT: String(port), LOG_LEVEL: 'info' });
    let buffer = '';
    worker.stdout!.on('data', (d) => {
      buffer += d;
      let cut;
      while ((cut = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        if (line.startsWith('{')) workerLines.push(JSON.parse(line));
      }
    });
  });
  afterAll(async () => h?.close());

  it('counts requests, queue depth, jobs, epochs, samples, cache hits, tensors and event streams', async () => {
    // The API's registry is this test process's, which runs other test files too: read differences.
    const before = await (await fetch(`${h.baseUrl}/metrics`)).text();
    const grown = (text: string, series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: tinyJob(seed) });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    // A watcher stays connected while the jobs run.
    const abort = new AbortController();
    const stream = await fetch(`${h.baseUrl}/jobs/${ids[1]}/events`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    const during = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(grown(during, 'event_stream_connections')).toBe(1);
    abort.abort();
    for (const id of ids) expect((await waitForJob(h, id)).status).toBe('succeeded');
    // The run's row says succeeded as the training process ends; the queue marks the job
    // completed, and the worker counts it and logs its end, a moment after (longer on a busy machine).
    const workerCounted = async () => sample(await (await fetch(workerMetrics)).text(), 'training_jobs_total{status="succeeded"}') === 2;
    await waitUntil(
      async () =>
        (await h.queue.getJobCounts('completed')).completed === 2 && (await workerCounted()) && workerLines.filter((l) => l.msg === 'job ended').length === 2,
      30_000,
    );

    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const api = await res.text();
    expect(grown(api, 'http_request_duration_seconds_count{method="POST",route="/jobs",status_code="201"}')).toBe(2);
    expect(grown(api, 'http_request_duration_seconds_count{method="GET",route="/jobs/:id",status_code="200"}')).toBeGreaterThanOrEqual(1);
    expect(sample(api, 'training_queue_jobs{state="completed"}')).toBe(2);
    for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(api, `training_queue_jobs{state="${state}"}`)).toBe(0);
    expect(api).toMatch(/^# TYPE training_jobs_total counter$/m);
    expect(api).toMatch(/^process_cpu_seconds_total /m);

    const w = await (await fetch(workerMetrics)).text();
    expect(sample(w, 'training_jobs_total{status="succeeded"}')).toBe(2);
    expect(sample(w, 'training_job_duration_seconds_count{status="succeeded"}')).toBe(2);
    expect(sample(w, 'training_job_pickup_seconds_count')).toBe(2);
    expect(sample(w, 'training_epochs_total')).toBe(4);
    // 64 samples, a quarter held out for validation: 48 per epoch, 2 epochs, 2 jobs.
    expect(sample(w, 'training_samples_total')).toBe(4 * 48);
    expect(sample(w, 'training_samples_per_second')).toBeGreaterThan(0);
    // The same data twice in one training process: loaded once, then served from memory.
    expect(sample(w, 'dataset_cache_lookups_total{result="miss"}')).toBe(1);
    expect(sample(w, 'dataset_cache_lookups_total{result="hit"}')).toBe(1);
    expect(w).toMatch(/^tfjs_tensors\{pid="\d+"\} \d+$/m);
    expect(w).toMatch(/^tfjs_bytes\{pid="\d+"\} \d+$/m);
    // The worker loads no tfjs of its own: its training processes name the backend they trained on.
    const jobs = await h.db.run.findMany({ select: { backend: true } });
    expect(w).toMatch(new RegExp(`^tfjs_backend_info\\{backend="${jobs[0].backend}",detail="[^"]+",adapter="",fallback=""\\} 1$`, 'm'));
  });

  it("puts the job id on the worker's log lines about a job", () => {
    const aboutJobs = workerLines.filter((l) => /^job /.test(l.msg));
    expect(aboutJobs.map((l) => l.msg).sort()).toEqual(['job ended', 'job ended', 'job started', 'job started']);
    for (const line of aboutJobs) expect(line.jobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
