/**
 * The service-level benchmarks of `npm run bench` (parts f-i): API throughput as a ratio of a
 * Fastify hello-world in the same run, queue pickup latency, the worker's overhead around the
 * training loop, and 1 vs 2 worker processes. They need a PostgreSQL (DATABASE_URL; each run uses
 * its own schema and queue, dropped at the end) and use Redis too when REDIS_URL is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildApp } from '../src/http/app.js';
import { OPEN_PRINCIPAL } from '../src/core/principal.js';
import { loadConfig } from '../src/infra/config.js';
import { createTrainQueue, type QueueSettings } from '../src/infra/queue/train-queue.js';
import type { JobSpec } from '../src/schemas/job-spec.js';
import { migrate } from '../src/infra/db/migrate.js';
import { createApiDeps } from '../src/start/api-deps.js';
import { createPrisma, type Db } from '../src/infra/db/prisma.js';
import { autocannon, helloWorld, urlOf } from './api-load.js';
import { median } from './common.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServiceEnv {
  databaseUrl: string;
  redisUrl?: string;
  schema: string;
  queueName: string;
  env: Record<string, string>;
  db: Db;
  settings: QueueSettings;
  drop(): Promise<void>;
}

/** A fresh schema and queue name on DATABASE_URL, as a test harness would make. */
export async function serviceEnv(backend: 'postgres' | 'redis'): Promise<ServiceEnv> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('the service benchmarks need DATABASE_URL (a PostgreSQL they may create schemas in)');
  const redisUrl = backend === 'redis' ? process.env.REDIS_URL : undefined;
  if (backend === 'redis' && !redisUrl) throw new Error('REDIS_URL is not set');
  const id = randomUUID().slice(0, 8);
  const schema = `bench_${id}`;
  const queueName = `bench-${id}`;
  await migrate({ url: databaseUrl, schema });
  const settings: QueueSettings = { name: queueName, redisUrl, databaseUrl, queueSchema: `${schema}_bullmq` };
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    QUEUE_NAME: queueName,
    REDIS_URL: redisUrl ?? '',
    DATASETS_DIR: process.env.DATASETS_DIR ?? path.join(ROOT, 'data/datasets'),
    LOG_LEVEL: 'warn',
    // The benchmarks queue thousands of jobs as the default tenant: no queued-jobs quota.
    QUOTA_QUEUED_JOBS: '0',
  };
  const db = createPrisma(databaseUrl, schema);
  return {
    databaseUrl,
    redisUrl,
    schema,
    queueName,
    env,
    db,
    settings,
    async drop() {
      await db.$disconnect();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS "${schema}_bullmq" CASCADE`);
      await client.end();
    },
  };
}

/** A worker process as `npm run start:worker` starts it, resolved once it takes jobs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'worker'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes('worker taking jobs')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', () => reject(new Error(`worker exited:\n${output}`)));
  });
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A small valid job on the built-in Fashion-MNIST (what POST /jobs checks in full). */
export const SMALL_JOB: JobSpec = {
  name: 'bench-small',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 256, seed: 1 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 32, activation: 'relu', kernelInitializer: 'he_normal' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam' }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 1, batchSize: 64, seed: 1 },
  diagnostics: { enabled: false },
};

/** The routes the issue sets targets for, as a share of the hello-world's requests per second. */
export const API_TARGETS = [
  { key: 'job', name: 'GET /jobs/:id', target: 0.1 },
  { key: 'list', name: 'GET /jobs?limit=20', target: 0.05 },
  { key: 'submit', name: 'POST /jobs (valid spec)', target: 0.02 },
] as const;
export type ApiTargetKey = (typeof API_TARGETS)[number]['key'];

/**
 * The queue behind the API in part (f): Redis when REDIS_URL is set, as in the compose stack
 * (BENCH_API_QUEUE=postgres|redis chooses); POST /jobs is the only route measured that uses it.
 */
export function apiQueueBackend(): 'postgres' | 'redis' {
  const chosen = process.env.BENCH_API_QUEUE;
  if (chosen === 'postgres' || chosen === 'redis') return chosen;
  return process.env.REDIS_URL ? 'redis' : 'postgres';
}

/**
 * The API as `npm start` builds it (open local mode, the shared worker-thread pool), listening on
 * 127.0.0.1 with no request logging, on a fresh schema holding 60 ended jobs with 10 epochs each
 * (what a list page shows). `requests` are the load for each target route.
 */
export async function benchApi(backend: 'postgres' | 'redis' = apiQueueBackend()) {
  const s = await serviceEnv(backend);
  // On the seeding client's pool, with the worker-thread pool buildApp shares and tfjs not started.
  const deps = await createApiDeps(loadConfig(s.env), { threads: false, overrides: { db: s.db, backend: { name: 'bench' } } });
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const run = await s.db.run.create({
      data: { name: `job ${i}`, spec: SMALL_JOB as object, status: 'succeeded', startedAt: new Date(), finishedAt: new Date(), backend: 'wasm' },
    });
    await s.db.epochMetric.createMany({
      data: Array.from({ length: 10 }, (_, e) => ({
        runId: run.id,
        epoch: e + 1,
        phase: 'train',
        loss: 1 / (e + 1),
        accuracy: 0.5 + e / 40,
        durationMs: 1000,
      })),
    });
    ids.push(run.id);
  }
  const requests: Record<ApiTargetKey, { url: string; body?: unknown }> = {
    job: { url: urlOf(app, `/jobs/${ids[0]}`) },
    list: { url: urlOf(app, '/jobs?limit=20') },
    submit: { url: urlOf(app, '/jobs'), body: SMALL_JOB },
  };
  return {
    app,
    requests,
    async close() {
      await app.close();
      await deps.queue.obliterate({ force: true }).catch(() => {});
      await deps.studyQueue?.obliterate({ force: true }).catch(() => {});
      await deps.close();
      await s.drop();
    },
  };
}

/** Requests per second of each API route as a share of the hello-world's, in one run. */
export async function apiRatios(seconds: number, rounds: number) {
  const api = await benchApi();
  const hello = await helloWorld();
  const rows: Array<{ name: string; target: number; ratios: number[]; rps: number[]; helloRps: number[]; p99: number[]; non2xx: number }> = API_TARGETS.map(
    (t) => ({ name: t.name, target: t.target, ratios: [], rps: [], helloRps: [], p99: [], non2xx: 0 }),
  );
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < API_TARGETS.length; i++) {
        const { url, body } = api.requests[API_TARGETS[i].key];
        // Each route right after its own hello-world run, so both meet the same machine load.
        const base = await autocannon(urlOf(hello, '/'), seconds);
        const r = await autocannon(url, seconds, body);
        rows[i].ratios.push(r.requestsPerSec / base.requestsPerSec);
        rows[i].rps.push(r.requestsPerSec);
        rows[i].helloRps.push(base.requestsPerSec);
        rows[i].p99.push(r.p99Ms);
        rows[i].non2xx += r.non2xx;
        console.error(
          `  (f) ${API_TARGETS[i].name}: ${Math.round(r.requestsPerSec)} req/s vs hello-world ${Math.round(base.requestsPerSec)} (${((100 * r.requestsPerSec) / base.requestsPerSec).toFixed(1)}%)`,
        );
      }
    }
  } finally {
    await hello.close();
    await api.close();
  }
  return rows.map((r) => ({ ...r, ratio: median(r.ratios) }));
}

/** Submits `spec` as POST /jobs does (checks, row, queue entry) and returns the run id. */
async function submit(s: ServiceEnv, queue: ReturnType<typeof createTrainQueue>, spec: JobSpec): Promise<string> {
  const { submitJob } = await import('../src/features/jobs/jobs.js');
  return (await submitJob({ db: s.db, queue, config: loadConfig(s.env) }, OPEN_PRINCIPAL, spec)).id;
}

async function waitEnded(db: Db, ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await db.run.findMany({ where: { id: { in: ids } }, include: { epochs: true } });
    if (runs.length === ids.length && runs.every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.status))) return runs;
    if (Date.now() > deadline) throw new Error(`jobs not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Queue pickup: one idle worker process, jobs submitted one at a time (each after the previous
 * ended, so the worker is idle), created -> started (the run's createdAt to the startedAt its
 * training process writes). The first job is reported apart: it is the only one that may meet a
 * training process still starting.
 */
export async function pickup(backend: 'postgres' | 'redis', jobs: number) {
  const s = await serviceEnv(backend);
  const queue = createTrainQueue(s.settings);
  const worker = await startWorkerProcess(s.env);
  try {
    const ms: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const id = await submit(s, queue, { ...SMALL_JOB, fit: { ...SMALL_JOB.fit, seed: i } });
      const [run] = await waitEnded(s.db, [id], 300_000);
      ms.push(run.startedAt!.getTime() - run.createdAt.getTime());
      console.error(`  (g) ${backend} job ${i + 1}: picked up after ${ms.at(-1)} ms`);
    }
    const rest = ms.slice(1);
    return { backend, first: ms[0], p50: percentile(rest, 50), p99: percentile(rest, 99), all: ms };
  } finally {
    await stopProcess(worker);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await s.drop();
  }
}

/**
 * The worker's overhead around the training loop: a 10-epoch job on `samples` samples through a
 * real worker; job wall time (startedAt -> finishedAt) against the sum of its epochs' own time.
 */
export async function jobOverhead(samples: number, epochs: number) {
  const s = await serviceEnv(process.env.REDIS_URL ? 'redis' : 'postgres');
  const queue = createTrainQueue(s.settings);
  const worker = await startWorkerProcess(s.env);
  try {
    const spec: JobSpec = {
      ...SMALL_JOB,
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: samples, seed: 2 },
      fit: { epochs, batchSize: 64, seed: 2 },
    };
    // A first job warms the process (data decoded and cached, kernels compiled), as on a busy worker.
    await waitEnded(s.db, [await submit(s, queue, { ...spec, fit: { ...spec.fit, epochs: 1 } })], 600_000);
    const [run] = await waitEnded(s.db, [await submit(s, queue, spec)], 1_800_000);
    const wallMs = run.finishedAt!.getTime() - run.startedAt!.getTime();
    const loopMs = run.epochs.reduce((sum, e) => sum + e.durationMs, 0);
    // The measure: (job wall time - training loop) as a share of the job wall time.
    return {
      wallMs,
      loopMs,
      queuedMs: run.startedAt!.getTime() - run.createdAt.getTime(),
      overhead: (wallMs - loopMs) / wallMs,
      epochs: run.epochs.map((e) => e.durationMs),
    };
  } finally {
    await stopProcess(worker);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await s.drop();
  }
}

/** Jobs per minute through 1 and then 2 worker processes, on a queue of `jobs` small jobs. */
export async function scaling(jobs: number) {
  const out: Array<{ workers: number; jobsPerMinute: number }> = [];
  for (const n of [1, 2]) {
    const s = await serviceEnv(process.env.REDIS_URL ? 'redis' : 'postgres');
    const queue = createTrainQueue(s.settings);
    const workers = await Promise.all(Array.from({ length: n }, () => startWorkerProcess(s.env)));
    try {
      // Let the prewarmed training processes finish starting before the clock runs.
      await waitEnded(
        s.db,
        await Promise.all(Array.from({ length: n }, (_, i) => submit(s, queue, { ...SMALL_JOB, fit: { ...SMALL_JOB.fit, seed: 100 + i } }))),
        600_000,
      );
      const started = Date.now();
      const ids = [];
      for (let i = 0; i < jobs; i++) ids.push(await submit(s, queue, { ...SMALL_JOB, fit: { ...SMALL_JOB.fit, seed: i } }));
      await waitEnded(s.db, ids, 1_800_000);
      out.push({ workers: n, jobsPerMinute: (jobs / (Date.now() - started)) * 60_000 });
      console.error(`  (i) ${n} worker(s): ${out.at(-1)!.jobsPerMinute.toFixed(1)} jobs/min`);
    } finally {
      await Promise.all(workers.map(stopProcess));
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await s.drop();
    }
  }
  return { rows: out, factor: out[1].jobsPerMinute / out[0].jobsPerMinute };
}
