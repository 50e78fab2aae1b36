/**
 * `npm run bench:service`: the CPU speed table measured through the service, the way a user sees
 * it: each row is a job POSTed to the service (2 epochs on 4,096 Fashion-MNIST images); samples/s
 * comes from the second epoch's `durationMs` in `GET /jobs/:id/metrics`. The PyTorch reference
 * runs in the same sitting for the ratios. Jobs run one at a time (the next is posted when the
 * previous has finished), so they do not compete.
 *
 * One command: unless BENCH_SERVICE_URL names a running service, it starts the service itself
 * (`src/main.ts all`, TFJS_BACKEND=wasm, on a free port, its own schema and queue) once per
 * WASM_THREADS value in BENCH_WASM_THREADS (default `1,2`), so the single- and two-thread wasm
 * builds are compared in the same run, and stops it afterwards.
 *
 * Environment: DATABASE_URL and REDIS_URL (passed on to the service it starts; unset: the
 * service's embedded PostgreSQL and its PostgreSQL queue), BENCH_SCHEMA (default `bench_speed`),
 * DATASETS_DIR (default ../shared/data when present), BENCH_WASM_THREADS, TORCH_BENCH,
 * TORCH_PYTHON; or BENCH_SERVICE_URL (+ BENCH_API_KEY) to measure a running service instead.
 * The table is printed and written to BENCH_SERVICE_OUT (default bench/service-results.md; `-`: not written).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/infra/db/database.js';
import { load1, table } from '../common.js';
import { SPEED_BATCHES, SPEED_MODELS, SPEED_SAMPLES, speedJob } from './models.js';
import { runTorchReference } from './torch.js';

interface Service {
  base: string;
  label: string;
  /** The service's backend as /health describes it. */
  detail: string;
  stop: () => Promise<void>;
}

const started = Date.now();
const log = (line: string) => console.error(`  [${((Date.now() - started) / 1000).toFixed(0)} s, load ${load1()}] ${line}`);

function client(base: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (process.env.BENCH_API_KEY) headers.authorization = `Bearer ${process.env.BENCH_API_KEY}`;
  return async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** Starts `src/main.ts all` with `threads` XNNPACK threads and waits for /health. */
async function startService(threads: number): Promise<Service> {
  const port = await freePort();
  const datasetsDir = process.env.DATASETS_DIR ?? ['../shared/data', '../../shared/data'].find((p) => existsSync(path.join(p, 'fashion-mnist')));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    AUTH: 'off',
    TFJS_BACKEND: 'wasm',
    WASM_THREADS: String(threads),
    WORKER_CONCURRENCY: '1',
    DATABASE_SCHEMA: process.env.BENCH_SCHEMA ?? 'bench_speed',
    QUEUE_NAME: `bench-speed-${process.pid}-${threads}`,
    LOG_LEVEL: 'warn',
    ...(datasetsDir ? { DATASETS_DIR: path.resolve(datasetsDir) } : {}),
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  let detail = 'unknown';
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before it was up:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not answer /health within 180 s:\n${stderr}`);
    }
    const health = await fetch(`${base}/health`).then(
      (r) => (r.ok ? (r.json() as Promise<{ backendDetail?: string }>) : null),
      () => null,
    );
    if (health) {
      // The API process starts its backend the way the training processes do: `wasm (simd, 2 threads)`.
      detail = health.backendDetail ?? 'unknown';
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  log(`service up: ${detail}`);
  return { base, label: `WASM_THREADS=${threads}`, detail, stop };
}

async function epochSamplesPerSecond(base: string, job: ReturnType<typeof speedJob>): Promise<{ sps: number; backend: string }> {
  const call = client(base);
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

const ROWS = SPEED_MODELS.flatMap((model) => SPEED_BATCHES.map((batch) => ({ model, batch, key: `${model.id}/${batch}` })));
const fmt = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));

/** One column: every row as a job of this service. */
async function measureService(service: Service): Promise<{ sps: Map<string, number>; backend: string }> {
  const sps = new Map<string, number>();
  let backend = 'unknown';
  for (const { model, batch, key } of ROWS) {
    const job = { ...speedJob(model, batch, 2), dataset: { builtin: 'fashion-mnist', split: 'train', limit: SPEED_SAMPLES, seed: 1 } } as ReturnType<
      typeof speedJob
    >;
    const measured = await epochSamplesPerSecond(service.base, job);
    backend = measured.backend;
    sps.set(key, measured.sps);
    log(`${service.label} ${key}: ${fmt(measured.sps)} samples/s`);
  }
  // /health's detail (`wasm (simd, 2 threads)`) says more than the jobs' backend name (`wasm`).
  return { sps, backend: service.detail === 'unknown' ? backend : service.detail };
}

const loads: number[] = [os.loadavg()[0]];
log('PyTorch reference');
const torch = runTorchReference();
loads.push(os.loadavg()[0]);
const columns: Array<{ label: string; backend: string; sps: Map<string, number> }> = [];
if (process.env.BENCH_SERVICE_URL) {
  const base = process.env.BENCH_SERVICE_URL.replace(/\/$/, '');
  columns.push({ label: base, ...(await measureService({ base, label: base, detail: 'unknown', stop: async () => {} })) });
} else {
  const threadCounts = (process.env.BENCH_WASM_THREADS ?? '1,2').split(',').map((s) => Number(s.trim()));
  if (threadCounts.some((t) => !Number.isInteger(t) || t < 1 || t > 8))
    throw new Error('BENCH_WASM_THREADS: a comma-separated list of integers from 1 to 8, e.g. 1,2');
  for (const threads of threadCounts) {
    log(`starting the service with WASM_THREADS=${threads}`);
    const service = await startService(threads);
    try {
      columns.push({ label: service.label, ...(await measureService(service)) });
    } finally {
      await service.stop();
    }
    loads.push(os.loadavg()[0]);
  }
}

const t = (key: string) => ('figures' in torch ? torch.figures.get(key) : undefined);
const rows = ROWS.map(({ model, batch, key }) => [
  model.label,
  batch,
  fmt(t(key)),
  ...columns.flatMap((c) => {
    const s = c.sps.get(key);
    const ref = t(key);
    return [fmt(s), s === undefined || ref === undefined ? '-' : (s / ref).toFixed(2)];
  }),
  batch <= 32 ? '0.5' : '0.25',
]);
const lines = [
  '# CPU training speed through the service (`npm run bench:service`)',
  '',
  `Run ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
    `One job per row (2 epochs, ${SPEED_SAMPLES.toLocaleString('en-US')} Fashion-MNIST images, SGD), samples/s from the second epoch's durationMs; ` +
    `backend (the service's \`/health\` detail, else the jobs' \`backend\`): ${columns.map((c) => `${c.label}: ${c.backend}`).join('; ')}. ` +
    `PyTorch + OpenBLAS (../shared/bench/torch_mlp.py) in the same run. Load average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores; ` +
    `the whole run took ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
  ...('error' in torch ? ['', `PyTorch reference skipped: ${torch.error}.`] : []),
  '',
  table(['model', 'batch', 'PyTorch + OpenBLAS', ...columns.flatMap((c) => [`service job, ${c.label}`, 'ratio']), 'target ratio'], rows),
  '',
  'Where the time goes and what a missed target would take: bench/results.md, part (e), "What is left".',
];
console.log(lines.join('\n'));
const out = process.env.BENCH_SERVICE_OUT ?? 'bench/service-results.md';
if (out !== '-') {
  writeFileSync(out, lines.join('\n') + '\n');
  console.error(`written to ${out}`);
}
