import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import { FIXTURE_DATASETS, ROOT, smallFashionJob, waitUntil } from '../support/harness.js';

/**
 * `npm start` as a new user runs it: the embedded PostgreSQL (no DATABASE_URL), the PostgreSQL
 * queue, API and worker in one process. Each start gets a fresh DATA_DIR under the OS temp folder.
 */
interface Instance {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  baseUrl: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function start(dataDir: string, opts: { waitReady?: boolean } = {}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'all'], {
    cwd: ROOT,
    // Its own process group, so the test can signal the group as a terminal's Ctrl-C does.
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      DATASETS_DIR: FIXTURE_DATASETS,
      DATASETS_VERIFY: 'false',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const instance = { child, output: () => output, exited, baseUrl: `http://127.0.0.1:${port}` };
  if (opts.waitReady !== false) {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`exited early:\n${output}`);
      return fetch(`${instance.baseUrl}/health`).then((r) => r.ok, () => false);
    }, 110_000);
  }
  return instance;
}

/** mkdtemp makes 0700 folders; run as root, the embedded PostgreSQL runs as its own user and must enter it. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

/** What a clean stop must not print. */
function expectCleanOutput(output: string) {
  expect(output).not.toMatch(/57P01|terminating connection|administrator command/);
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
}

/** Submits a job and keeps its event stream open, as a client watching it would. */
async function watchAJob(instance: Instance): Promise<AbortController> {
  const job = smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 50, batchSize: 16, seed: 3 } });
  const res = await fetch(`${instance.baseUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const abort = new AbortController();
  const events = await fetch(`${instance.baseUrl}/jobs/${id}/events`, { signal: abort.signal });
  expect(events.status).toBe(200);
  const reader = events.body!.getReader();
  let seen = '';
  while (!seen.includes('event: status')) seen += new TextDecoder().decode((await reader.read()).value);
  // Keep reading in the background until the server ends the stream.
  void (async () => {
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
  })();
  return abort;
}

describe('start and stop (embedded PostgreSQL, PostgreSQL queue)', () => {
  let dataDir: string;
  let first: Instance | undefined;

  beforeAll(async () => {
    dataDir = await tempDir('tfjs-start-stop-');
  });

  afterAll(async () => {
    if (first && first.child.exitCode === null) {
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second `npm start` on the same DATA_DIR with a clear message; SIGTERM during an event stream exits 0 without a stack trace', async () => {
    first = await start(dataDir);
    const second = await start(dataDir, { waitReady: false });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`DATA_DIR ${dataDir} is in use by another instance (pid ${first.child.pid}`);
    expect(second.output()).not.toMatch(/\n\s+at /);

    const abort = await watchAJob(first);
    first.child.kill('SIGTERM');
    // The output rides along so that a failure shows what the process printed.
    expect({ code: await first.exited, output: first.output() }).toMatchObject({ code: 0 });
    abort.abort();
    expect(first.output()).toContain('shutting down (SIGTERM)');
    expectCleanOutput(first.output());
  }, 240_000);

  it('Ctrl-C (SIGINT to the whole process group, the embedded PostgreSQL included) exits 0 without a stack trace', async () => {
    first = await start(dataDir);
    const abort = await watchAJob(first);
    process.kill(-first.child.pid!, 'SIGINT');
    // The output rides along so that a failure shows what the process printed.
    expect({ code: await first.exited, output: first.output() }).toMatchObject({ code: 0 });
    abort.abort();
    expectCleanOutput(first.output());
  }, 240_000);

  it('another DATA_DIR never joins a running embedded PostgreSQL that is not its own', async () => {
    const a = await openDatabase({ dataDir });
    const other = await tempDir('tfjs-start-stop-other-');
    try {
      const aPort = Number(new URL(a.url).port);
      const pid = (await readFile(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8')).split('\n');
      expect(Number(pid[3])).toBe(aPort);
      // The same DATA_DIR joins it (the API beside a worker)...
      expect((await openDatabase({ dataDir })).url).toBe(a.url);
      // ...another one, even when asked for that very port, gets a cluster of its own.
      const b = await openDatabase({ dataDir: other, preferredPort: aPort });
      try {
        expect(Number(new URL(b.url).port)).not.toBe(aPort);
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
      await rm(other, { recursive: true, force: true });
    }
  }, 240_000);
});
