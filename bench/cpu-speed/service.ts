/**
 * `npm run bench:service`: the CPU speed table measured through a running service, the way a user
 * sees it: each row is a job POSTed to BENCH_SERVICE_URL (default http://127.0.0.1:3000) with 2
 * epochs on 4,096 Fashion-MNIST images; samples/s comes from the second epoch's `durationMs` in
 * `GET /jobs/:id/metrics`. The PyTorch reference runs in the same sitting for the ratios. Jobs run
 * one at a time (the next is posted when the previous has finished), so they do not compete.
 *
 * Environment: BENCH_SERVICE_URL, BENCH_API_KEY (sent as a bearer token when set), TORCH_BENCH.
 */
import { table } from '../common.js';
import { SPEED_BATCHES, SPEED_MODELS, SPEED_SAMPLES, speedJob } from './models.js';
import { runTorchReference } from './torch.js';

const BASE = (process.env.BENCH_SERVICE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (process.env.BENCH_API_KEY) headers.authorization = `Bearer ${process.env.BENCH_API_KEY}`;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function epochSamplesPerSecond(job: ReturnType<typeof speedJob>): Promise<{ sps: number; backend: string }> {
  const { id } = await call<{ id: string }>('POST', '/jobs', job);
  let backend = 'unknown';
  for (;;) {
    const run = await call<{ status: string; error?: unknown; backend?: string | null }>('GET', `/jobs/${id}`);
    backend = run.backend ?? backend;
    if (run.status === 'succeeded') break;
    if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`job ${id} ${run.status}: ${JSON.stringify(run.error)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const { epochs } = await call<{ epochs: Array<{ durationMs: number }> }>('GET', `/jobs/${id}/metrics`);
  return { sps: SPEED_SAMPLES / (epochs[1].durationMs / 1000), backend };
}

const torch = runTorchReference();
const rows: Array<Array<string | number>> = [];
let backend = 'unknown';
for (const model of SPEED_MODELS) {
  for (const batch of SPEED_BATCHES) {
    const job = { ...speedJob(model, batch, 2), dataset: { builtin: 'fashion-mnist', split: 'train', limit: SPEED_SAMPLES, seed: 1 } } as ReturnType<typeof speedJob>;
    const measured = await epochSamplesPerSecond(job);
    backend = measured.backend;
    const t = 'figures' in torch ? torch.figures.get(`${model.id}/${batch}`) : undefined;
    console.error(`  ${model.id}/${batch}: ${Math.round(measured.sps)} samples/s`);
    rows.push([model.label, batch, t === undefined ? '-' : t.toLocaleString('en-US'), Math.round(measured.sps).toLocaleString('en-US'), t === undefined ? '-' : (measured.sps / t).toFixed(2)]);
  }
}
console.log(`Through the service at ${BASE} (the worker's backend, as the job reports it: ${backend}); one job per row, the second epoch's durationMs.`);
if ('error' in torch) console.log(`PyTorch reference skipped: ${torch.error}.`);
console.log();
console.log(table(['model', 'batch', 'PyTorch + OpenBLAS', 'service job (samples/s)', 'ratio'], rows));
