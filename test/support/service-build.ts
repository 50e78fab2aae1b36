import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The service compiled as `npm run build` lays it out (dist/src beside dist/prisma/migrations), for
 * the worker processes the integration tests start. Run from TypeScript, each worker and each of
 * its training processes loads every module through tsx's loader thread, which costs about as much
 * CPU as the rest of its start; compiled, they start as `npm run start:prod` and the Docker image
 * do. esbuild only strips the types (tsc checks them in `npm test`), in well under a second.
 * Under tmp/ in the repository, so that the compiled modules find its node_modules and its
 * package.json's `"type": "module"`. Returns the compiled entry point and a function that removes it.
 */
export async function buildService(): Promise<{ main: string; remove: () => void }> {
  removeStaleBuilds();
  const outRoot = path.join(ROOT, 'tmp', `service-build-${randomUUID().slice(0, 8)}`);
  const entryPoints = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(ROOT, 'src', f));
  await build({
    entryPoints,
    outbase: path.join(ROOT, 'src'),
    outdir: path.join(outRoot, 'dist', 'src'),
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'warning',
  });
  cpSync(path.join(ROOT, 'prisma', 'migrations'), path.join(outRoot, 'dist', 'prisma', 'migrations'), { recursive: true });
  return { main: path.join(outRoot, 'dist', 'src', 'main.js'), remove: () => rmSync(outRoot, { recursive: true, force: true }) };
}

/** Builds a run that was killed left behind (a day old: a run in progress beside this one keeps its own). */
function removeStaleBuilds(): void {
  const tmp = path.join(ROOT, 'tmp');
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp)) {
    const dir = path.join(tmp, name);
    if (name.startsWith('service-build-') && Date.now() - statSync(dir).mtimeMs > 24 * 3600 * 1000) rmSync(dir, { recursive: true, force: true });
  }
}
