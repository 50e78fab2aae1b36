/**
 * The service-level benchmarks of `npm run bench` (parts e-h): API throughput as a ratio of a
 * Fastify hello-world in the same run, queue pickup latency, the worker's overhead around the
 * training loop, and 1 vs 2 worker processes. They need a PostgreSQL (DATABASE_URL; each run uses
 * its own schema and queue, dropped at the end) and use Redis too when REDIS_URL is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createTrainQueue, type QueueSettings } from '../src/jobs/queue.js';
import type { JobSpec } from '../src/schemas/job-spec.js';
import { Predictor } from '../src/services/predictor.js';
import { migrate } from '../src/storage/migrate.js';
import { createPrisma, type Db } from '../src/storage/prisma.js';
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

/** Requests per second of each API route as a share of the hello-world's, in one run. */
export async function apiRatios(seconds: number, rounds: number) {
  const s = await serviceEnv('postgres');
  const config = loadConfig(s.env);
  const queue = createTrainQueue(s.settings);
  const app = await buildApp({ config, db: s.db, queue, queueBackend: 'postgres', checkQueue: () => queue.getJobCounts('waiting'), backend: { name: 'bench' }, predictor: new Predictor(s.db) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const hello = await helloWorld();
  // 60 ended jobs with 10 epochs each, as a list page would show them.
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const run = await s.db.run.create({ data: { name: `job ${i}`, spec: SMALL_JOB as object, status: 'succeeded', startedAt: new Date(), finishedAt: new Date(), backend: 'wasm' } });
    await s.db.epochMetric.createMany({ data: Array.from({ length: 10 }, (_, e) => ({ runId: run.id, epoch: e + 1, phase: 'train', loss: 1 / (e + 1), accuracy: 0.5 + e / 40, durationMs: 1000 })) });
    ids.push(run.id);
  }
  const targets = [
    { name: 'GET /jobs/:id', url: urlOf(app, `/jobs/${ids[0]}`), target: 0.1 },
    { name: 'GET /jobs?limit=20', url: urlOf(app, '/jobs?limit=20'), target: 0.05 },
    { name: 'POST /jobs (valid spec)', url: urlOf(app, '/jobs'), body: SMALL_JOB, target: 0.02 },
  ];
  const rows: Array<{ name: string; target: number; ratios: number[]; rps: number[]; helloRps: number[]; p99: number[]; non2xx: number }> = targets.map((t) => ({ name: t.name, target: t.target, ratios: [], rps: [], helloRps: [], p99: [], non2xx: 0 }));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        // Each route right after its own hello-world run, so both meet the same machine load.
        const base = await autocannon(urlOf(hello, '/'), seconds);
        const r = await autocannon(targets[i].url, seconds, targets[i].body);
        rows[i].ratios.push(r.requestsPerSec / base.requestsPerSec);
        rows[i].rps.push(r.requestsPerSec);
        rows[i].helloRps.push(base.requestsPerSec);
        rows[i].p99.push(r.p99Ms);
        rows[i].non2xx += r.non2xx;
        console.error(`  (e) ${targets[i].name}: ${Math.round(r.requestsPerSec)} req/s vs hello-world ${Math.round(base.requestsPerSec)} (${((100 * r.requestsPerSec) / base.requestsPerSec).toFixed(1)}%)`);
      }
    }
  } finally {
    await hello.close();
    await app.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await s.drop();
  }
  return rows.map((r) => ({ ...r, ratio: median(r.ratios) }));
}
