import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { processAlive } from '../../src/infra/db/data-dir-lock.js';
import { openDatabase } from '../../src/infra/db/database.js';
import { FIXTURE_DATASETS, ROOT, smallFashionJob, waitUntil } from '../support/harness.js';

const run = promisify(execFile);

/**
 * `npm start` as a new user runs it: the embedded PostgreSQL (no DATABASE_URL), the PostgreSQL
 * queue, API and worker in one process. Each start gets a fresh DATA_DIR under the OS temp folder.
 */
interface Instance {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once its output pipes are closed: every process writing to them (node under npm too) is gone and all it wrote was read. */
  closed: Promise<void>;
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

async function start(dataDir: string, opts: { waitReady?: boolean; viaNpm?: boolean } = {}): Promise<Instance> {
  const port = await freePort();
  const [command, args] = opts.viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'all']];
  const child = spawn(command, args, {
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
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const instance = { child, output: () => output, exited, closed, baseUrl: `http://127.0.0.1:${port}` };
  if (opts.waitReady !== false) {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`exited early:\n${output}`);
      return fetch(`${instance.baseUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
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

/** What a clean stop must not print: no database closing under the service, no step timing out, no forced exit. */
function expectCleanOutput(output: string) {
  expect(output).not.toMatch(/57P01|terminating connection|administrator command|database is closing|closed the connection/);
  expect(output).not.toMatch(/did not answer within|exiting now|still stopping/);
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(output).toContain('"stopped"');
}

/** The pid of the service's node process (under npm, the process whose parent is npm). */
async function servicePid(instance: Instance, viaNpm: boolean): Promise<number> {
  if (!viaNpm) return instance.child.pid!;
  const { stdout } = await run('pgrep', ['-P', String(instance.child.pid)]);
  return Number(stdout.trim().split('\n')[0]);
}

/** The embedded PostgreSQL's pid, from its postmaster.pid. */
async function postgresPid(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8')).split('\n')[0]);
}

/** Every process the service started (the training processes, the embedded PostgreSQL) has ended. */
async function expectNoOrphans(pids: number[]) {
  await waitUntil(async () => pids.every((pid) => !processAlive(pid)), 10_000).catch(() => undefined);
  expect(pids.filter((pid) => processAlive(pid))).toEqual([]);
}

/** The training processes forked below `pid` (the service), found by their parent. */
async function descendants(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  const children = stdout.trim().split('\n').filter(Boolean).map(Number);
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
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
    // The embedded PostgreSQL runs in a process group of its own: a failed test leaves it behind.
    const pg = await postgresPid(dataDir).catch(() => 0);
    if (pg && processAlive(pg)) process.kill(pg, 'SIGKILL');
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

  /**
   * Each way a user stops it: the service hands its job back, closes the worker, then stops the
   * embedded PostgreSQL it started, and exits 0 within a few seconds, leaving no process behind.
   * Ctrl-C reaches npm, the service and the embedded PostgreSQL's old process group at once, and
   * npm relays it to the service a second time.
   */
  it.each([
    { how: 'Ctrl-C on `npm start` (SIGINT to the process group)', viaNpm: true, signal: 'SIGINT' as const, target: 'group' },
    { how: "SIGTERM to npm's pid", viaNpm: true, signal: 'SIGTERM' as const, target: 'npm' },
  ])(
    '$how: an orderly stop, exit 0, no orphan',
    async ({ viaNpm, signal, target }) => {
      first = await start(dataDir, { viaNpm });
      const abort = await watchAJob(first);
      const node = await servicePid(first, viaNpm);
      const pg = await postgresPid(dataDir);
      const training = await descendants(node);
      expect(training.length).toBeGreaterThan(0);
      const nodeExit = viaNpm ? waitUntil(async () => !processAlive(node), 60_000) : first.exited;
      if (target === 'group') process.kill(-first.child.pid!, signal);
      else process.kill(target === 'npm' ? first.child.pid! : node, signal);
      const code = await first.exited;
      await nodeExit;
      // Under npm, npm may exit first; the service's last lines arrive once the pipes close.
      await first.closed;
      abort.abort();
      // The output rides along so that a failure shows what the process printed.
      if (target !== 'npm') expect({ code, output: first.output() }).toMatchObject({ code: 0 });
      expectCleanOutput(first.output());
      const lines = first.output();
      // The job was handed back before the database stopped, and the database stopped last.
      expect(lines.indexOf('shutting down')).toBeGreaterThan(-1);
      expect(lines.indexOf('the worker handed its jobs back')).toBeGreaterThan(lines.indexOf('shutting down'));
      expect(lines.indexOf('"stopped"')).toBeGreaterThan(lines.indexOf('the worker handed its jobs back'));
      await expectNoOrphans([node, pg, ...training]);
    },
    240_000,
  );

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
