import { readFileSync, unlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Thrown when another live process holds the lock; its message says what to do. */
export class DataDirInUseError extends Error {}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes DATA_DIR for this process alone (`npm start`: API and worker in one), so a second
 * `npm start` on the same DATA_DIR stops with a clear message instead of quietly sharing the
 * first one's embedded database and jobs. The lock file holds the owner's pid; a lock left by
 * a process that died is taken over. Processes started as `api` or `worker` do not take it:
 * they join a DATA_DIR on purpose. Returns the release function (also run at process exit).
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  await fs.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'instance.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        try {
          // Only our own lock: never remove one another process took over meanwhile.
          if ((JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid === process.pid) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await fs
      .readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as { pid?: number; since?: string })
      .catch(() => ({}) as { pid?: number; since?: string });
    if (typeof owner.pid === 'number' && owner.pid !== process.pid && processAlive(owner.pid)) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by another instance (pid ${owner.pid}, since ${owner.since ?? '?'}): ` +
          'give this one its own DATA_DIR (and PORT), or set DATABASE_URL; to add an API or a worker to that instance on purpose, start it with `npm run start:api` or `npm run start:worker`',
      );
    }
    // Left by a process that is gone (killed, crashed): take it over.
    await fs.rm(file, { force: true });
  }
  throw new DataDirInUseError(`could not lock DATA_DIR ${dataDir} (${file} keeps reappearing)`);
}
