/**
 * `npm run bench:first-job`: how long the first job waits in `queued` after a fresh start. Starts
 * the service as `npm start` does (`node --import tsx src/main.ts all`, API and worker in one
 * process), polls /health until it answers 200, POSTs a tiny job at once and polls GET /jobs/{id}
 * every 50 ms until the job is `running`. Reports the time from /health 200 to `running` over
 * FIRST_JOB_STARTS starts (default 5): each, the median and the max. Target: at most 1 s.
 *
 * Environment: DATABASE_URL set: that server, with a fresh schema per start (dropped after);
 * unset: a temporary DATA_DIR per start (the embedded PostgreSQL, as a new user's `npm start`).
 * FIRST_JOB_STARTS (default 5), BENCH_LABEL (names the run in the results, e.g. the change
 * measured), WORKER_CONCURRENCY and TFJS_BACKEND are passed on to the service.
 * Appends a row to the "First job after start" section of bench/results.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { trainingProcesses } from '../test/support/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STARTS = Number(process.env.FIRST_JOB_STARTS ?? 5);
const DATABASE_URL = process.env.DATABASE_URL || undefined;
const TARGET_MS = 1_000;
const RESULTS = path.join(ROOT, 'bench/results.md');
const SECTION = '## First job after start';

/** A valid job that ends quickly: 64 fixture samples, one epoch of a single Dense layer. */
const JOB = {
  name: 'first-job-bench',
  dataset: { builtin: 'fashion-mnist', split: 'train', limit: 64, seed: 1 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 1, batchSize: 32, seed: 1 },
  diagnostics: { enabled: false },
};

interface StartResult {
  /** From spawning the service to its first /health 200. */
  healthMs: number;
  /** From /health 200 to GET /jobs/{id} answering `running`. */
  runningMs: number;
  /** Training processes the service had forked when /health first answered 200. */
  processesAtHealth: number;
  /** How long the API held back its listening for the training processes to load (its log says). */
  apiWaitedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh place for the service's data: a schema on DATABASE_URL, or an empty DATA_DIR. */
async function freshDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (DATABASE_URL) {
    const schema = `bench_first_${randomUUID().slice(0, 8)}`;
    return {
      env: { DATABASE_URL, DATABASE_SCHEMA: schema, QUEUE_NAME: `${schema}-q` },
      async drop() {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.query(`DROP SCHEMA IF EXISTS "${schema}_bullmq" CASCADE`);
        await client.end();
      },
    };
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-first-job-'));
  // Run as root, the embedded PostgreSQL runs as its own user and must enter the folder.
  await chmod(dataDir, 0o755);
  return { env: { DATABASE_URL: '', DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
}

async function once(): Promise<StartResult> {
  const database = await freshDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'all'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...database.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Empty is unset: the PostgreSQL queue and keyless local mode, as a new user's `npm start`.
      REDIS_URL: '',
      AUTH: '',
      ADMIN_API_KEY: '',
      DATASETS_DIR: path.join(ROOT, 'test/fixtures/datasets'),
      // The fixtures are cut-down files, so they cannot match the published checksums.
      DATASETS_VERIFY: 'false',
      // info: the line saying how long the API waited for the training processes.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited while starting:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no /health 200 within 180 s:\n${output}`);
      const ok = await fetch(`${base}/health`).then(
        (r) => (r.arrayBuffer(), r.status === 200),
        () => false,
      );
      if (ok) break;
      await sleep(20);
    }
    const healthyAt = performance.now();
    const processesAtHealth = trainingProcesses(child.pid!).length;
    const created = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(JOB) });
    const body = (await created.json()) as { id?: string };
    if (created.status !== 201 || !body.id) throw new Error(`POST /jobs answered ${created.status}: ${JSON.stringify(body)}`);
    for (;;) {
      const job = (await (await fetch(`${base}/jobs/${body.id}`)).json()) as { status: string; error?: string };
      // A job that already ended was running before this poll saw it.
      if (job.status === 'running' || job.status === 'succeeded') {
        const apiWaitedMs = Number(/the API waited (\d+) ms/.exec(output)?.[1] ?? 0);
        return { healthMs: healthyAt - spawnedAt, runningMs: performance.now() - healthyAt, processesAtHealth, apiWaitedMs };
      }
      if (job.status !== 'queued') throw new Error(`the job ended ${job.status}: ${job.error ?? ''}`);
      if (performance.now() - healthyAt > 120_000) throw new Error('the job stayed queued for 120 s');
      await sleep(50);
    }
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.drop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The load average as `uptime` prints it. */
function load(): string {
  try {
    return /load average:\s*(.*)$/.exec(execFileSync('uptime', { encoding: 'utf8' }).trim())?.[1] ?? 'unknown';
  } catch {
    return os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  }
}

/** Adds `row` to the section's table, creating the section (at the end of the file) when it is missing. */
function record(row: string): void {
  const header = [
    SECTION,
    '',
    '`npm run bench:first-job`: a fresh start of the service (API and worker in one process), a tiny job POSTed the moment',
    '/health first answers 200, and the time until GET /jobs/{id} (polled every 50 ms) says `running`. Target: at most 1 s.',
    '"Processes" counts the training processes the worker had forked when /health first answered 200; "API waited" is how long',
    'the API put off listening until they had loaded (its log line; none before that wait existed).',
    '',
    '| run | database | cores | load (uptime) before | after | starts | median ms | max ms | each ms | /health after spawn, median ms | API waited, median ms | processes at /health 200 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmarks\n';
  if (!text.includes(`\n${SECTION}\n`)) text = `${text.trimEnd()}\n\n${header.join('\n')}\n`;
  const lines = text.split('\n');
  let at = lines.indexOf(SECTION) + 1;
  // After the section's last table row.
  while (at < lines.length && !lines[at].startsWith('| ')) at++;
  while (at < lines.length && lines[at].startsWith('| ')) at++;
  lines.splice(at, 0, row);
  fs.writeFileSync(RESULTS, lines.join('\n'));
}

const loadBefore = load();
const results: StartResult[] = [];
for (let i = 0; i < STARTS; i++) {
  // A start can fail for reasons of the shared machine (another embedded PostgreSQL taking the
  // port between the check and the bind): one more try, said out loud, before giving up.
  const r = await once().catch((err: Error) => {
    console.log(`start ${i + 1}/${STARTS} failed, trying again: ${err.message.split('\n')[0]}`);
    return once();
  });
  results.push(r);
  console.log(
    `start ${i + 1}/${STARTS}: /health 200 after ${Math.round(r.healthMs)} ms (the API waited ${r.apiWaitedMs} ms for ${r.processesAtHealth} training process(es)); running ${Math.round(r.runningMs)} ms after it`,
  );
}
const loadAfter = load();
const running = results.map((r) => r.runningMs);
const med = median(running);
const max = Math.max(...running);
const label = process.env.BENCH_LABEL ?? 'this checkout';
const db = DATABASE_URL ? 'server (fresh schema)' : 'embedded (fresh DATA_DIR)';
const concurrency = process.env.WORKER_CONCURRENCY ? `, WORKER_CONCURRENCY ${process.env.WORKER_CONCURRENCY}` : '';
record(
  `| ${label}${concurrency} | ${db} | ${os.cpus().length} | ${loadBefore} | ${loadAfter} | ${STARTS} | ${Math.round(med)} | ${Math.round(max)} | ${running.map((ms) => Math.round(ms)).join(', ')} | ${Math.round(median(results.map((r) => r.healthMs)))} | ${Math.round(median(results.map((r) => r.apiWaitedMs)))} | ${results.map((r) => r.processesAtHealth).join(', ')} |`,
);
console.log(
  `\n/health 200 -> running: median ${Math.round(med)} ms, max ${Math.round(max)} ms over ${STARTS} starts (target <= ${TARGET_MS} ms: ${max <= TARGET_MS ? 'met' : 'NOT met'}); load ${loadBefore} -> ${loadAfter}`,
);
