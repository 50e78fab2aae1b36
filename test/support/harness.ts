import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { loadConfig, type Config } from '../../src/infra/config.js';
import type { TrainQueue } from '../../src/infra/queue/train-queue.js';
import type { StudyQueue } from '../../src/infra/queue/study-queue.js';
import { migrate } from '../../src/infra/db/migrate.js';
import type { Db } from '../../src/infra/db/prisma.js';
import { createApiDeps } from '../../src/start/api-deps.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURE_DATASETS = path.join(ROOT, 'test/fixtures/datasets');

/** The queue backends to run the integration suite on: PostgreSQL always, Redis when REDIS_URL is set. */
export const QUEUE_BACKENDS: Array<{ name: 'postgres' | 'redis'; redisUrl?: string }> = [
  { name: 'postgres' },
  ...(process.env.REDIS_URL ? [{ name: 'redis' as const, redisUrl: process.env.REDIS_URL }] : []),
];

export interface Harness {
  app: FastifyInstance;
  baseUrl: string;
  db: Db;
  queue: TrainQueue;
  studyQueue: StudyQueue;
  config: Config;
  env: Record<string, string>;
  startWorker(extraEnv?: Record<string, string>): Promise<ChildProcess>;
  /** What a worker this harness started has printed so far (its log lines, at info). */
  workerOutput(worker: ChildProcess): string;
  /** Stops every worker this harness started (SIGTERM, then SIGKILL after 10 s). */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A complete, isolated service for one test file: its own PostgreSQL schema, its own queue
 * name, the API in-process (listening on a free port, so real HTTP clients work) and real
 * worker processes started on demand.
 */
export async function startHarness(opts: { redisUrl?: string; env?: Record<string, string>; databaseUrl?: string } = {}): Promise<Harness> {
  // A test that takes its database away (ALLOW_CONNECTIONS false) brings a database of its own:
  // the shared one holds every other file's schema.
  const databaseUrl = opts.databaseUrl ?? inject('databaseUrl');
  const id = randomUUID().slice(0, 8);
  const schema = `test_${id}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    QUEUE_NAME: `test-${id}`,
    DATASETS_DIR: FIXTURE_DATASETS,
    // The fixtures are cut-down files, so they cannot match the published checksums.
    DATASETS_VERIFY: 'false',
    TFJS_BACKEND: 'auto',
    LOG_LEVEL: 'warn',
    // A checkpoint after every epoch (the default is one per 30 s): the crash, hand-back and
    // outage tests resume from one, and their jobs train for seconds.
    CHECKPOINT_EVERY_S: '0',
    // Empty means unset: a REDIS_URL in the test runner's own environment must not leak into
    // a worker meant for the PostgreSQL queue.
    REDIS_URL: opts.redisUrl ?? '',
    ...opts.env,
  };
  const config = loadConfig(env);
  await migrate({ url: databaseUrl, schema });
  // As the service builds its API, less what would outlive one test file or slow every file
  // down: the pool of worker threads is the one buildApp shares between the apps of this
  // process, tfjs is not started for the API, and rate-limit counts stay in the process.
  const deps = await createApiDeps(config, { threads: false, sharedRateLimit: false, overrides: { backend: { name: 'test' } } });
  const { db, queue } = deps;
  const studyQueue = deps.studyQueue!;
  // Closing ends every connection: a browser's spare connection that never sent a request would
  // otherwise hold close() until the server's own timeout for headers.
  const app = await buildApp(deps, { forceCloseConnections: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const workers: ChildProcess[] = [];
  const outputs = new WeakMap<ChildProcess, () => string>();
  const stopWorkers = async () => {
    await Promise.all(
      workers.splice(0).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.kill('SIGTERM');
            setTimeout(() => w.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  };

  return {
    app,
    baseUrl,
    db,
    queue,
    studyQueue,
    config,
    env,
    async startWorker(extraEnv = {}) {
      // The service compiled (see service-build.ts): a worker started from TypeScript spends as much
      // CPU again in tsx's loader, and so does each of its training processes.
      const child = spawn(process.execPath, [inject('serviceMain'), 'worker'], {
        cwd: ROOT,
        // At info, so its "worker taking jobs" line (what this waits for) is printed; the
        // output is shown only when the worker fails.
        env: { ...process.env, ...env, LOG_LEVEL: 'info', ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      outputs.set(child, () => output);
      child.on('exit', (code, signal) => {
        if (code && code !== 0 && !signal) console.error(`worker exited with ${code}:\n${output.slice(-3000)}`);
      });
      workers.push(child);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
        const check = () => {
          if (output.includes('worker taking jobs')) {
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`worker exited:\n${output}`));
          } else setTimeout(check, 100);
        };
        check();
      });
      return child;
    },
    workerOutput: (worker) => outputs.get(worker)?.() ?? '',
    stopWorkers,
    async close() {
      await stopWorkers();
      await app.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await studyQueue.obliterate({ force: true }).catch(() => {});
      await deps.close();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS "${schema}_bullmq" CASCADE`);
      await client.end();
    },
  };
}

/** Polls `check` until it holds (or the time runs out). */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls a job until it ends (or the time runs out); `headers` carry an API key once auth is on. */
export async function waitForJob(h: Harness, id: string, timeoutMs = 120_000, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.app.inject({ method: 'GET', url: `/jobs/${id}`, headers });
    if (res.statusCode === 401 || res.statusCode === 403) throw new Error(`GET /jobs/${id}: ${res.statusCode}; pass an API key to waitForJob`);
    const job = res.json();
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A small, quick Fashion-MNIST job on the committed fixtures. */
export function smallFashionJob(overrides: Record<string, unknown> = {}) {
  return {
    name: 'small-fashion',
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 600, seed: 1 },
    validation: { split: 0.2 },
    evaluate: { dataset: { builtin: 'fashion-mnist', split: 'test', limit: 200, seed: 2 } },
    model: {
      layers: [
        { type: 'Flatten', inputShape: [28, 28] },
        { type: 'Dense', units: 32, activation: 'relu', kernelInitializer: 'he_normal' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 3, batchSize: 32, seed: 7 },
    ...overrides,
  };
}
