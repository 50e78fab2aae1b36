import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The dashboard ships to browsers: its bundle may hold ui/src, the contract (src/schemas, with
// src/core under it) and the SDK, never server code. Built here into a temporary folder, so
// that a stale ui/dist can neither hide a leak nor report one that is gone.

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Where the bundled project files may come from. */
const BROWSER_SOURCES = /^(ui\/src|src\/(schemas|sdk|core))\//;

/** The module vite puts in place of a Node built-in (`node:fs`, ...) in a browser build. */
const NODE_BUILTIN_STUB = '__vite-browser-external';

/** Runtime dependencies that the dashboard uses too (the contract's validator and schema builder). */
const SHARED_PACKAGES = new Set(['ajv', 'ajv-formats', 'typebox']);

/** Text that only server code has, with the file it comes from (checked to be still there). */
const SERVER_TEXT: Array<[file: string, text: string]> = [
  ['src/training/diagnosis/rules/overfitting.ts', 'the validation loss rose from'],
  ['src/infra/db/database.ts', 'embedded PostgreSQL listening on'],
  ['src/worker/worker-process.ts', 'did not hand its job back within'],
  ['src/http/app.ts', 'request body not received within'],
  ['src/http/plugins/error-handler.ts', 'it has been logged with request id'],
  ['src/features/jobs/model-check.ts', 'the base model expects samples of shape'],
];

/** The package a `node_modules/...` path belongs to (`@scope/name` or `name`). */
function packageOf(source: string): string {
  const parts = source.slice(source.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('dashboard bundle', () => {
  let outDir: string;
  /** Every shipped file but the source maps: name and text. */
  const shipped: Array<{ name: string; text: string }> = [];
  /** Every file the source maps name, relative to the repository root. */
  const sources = new Set<string>();

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'dashboard-bundle-'));
    await build({ configFile: path.join(ROOT, 'ui/vite.config.ts'), build: { outDir, emptyOutDir: true, sourcemap: true }, logLevel: 'error' });
    for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const text = readFileSync(file, 'utf8');
      if (!entry.name.endsWith('.map')) {
        shipped.push({ name: path.relative(outDir, file), text });
        continue;
      }
      const map = JSON.parse(text) as { sourceRoot?: string; sources: string[] };
      for (const source of map.sources) {
        const original = path.resolve(entry.parentPath, map.sourceRoot ?? '', source);
        sources.add(path.relative(ROOT, original).split(path.sep).join('/'));
      }
    }
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('was built, with source maps that name its files', () => {
    expect(shipped.some((f) => f.name.endsWith('.js'))).toBe(true);
    expect([...sources].some((s) => s.startsWith('ui/src/'))).toBe(true);
  });

  it('holds project files from ui/src, src/schemas, src/sdk and src/core only', () => {
    const leaked = [...sources].filter((s) => !s.includes('node_modules/') && !s.includes(NODE_BUILTIN_STUB) && !BROWSER_SOURCES.test(s)).sort();
    expect(leaked, `server files bundled into the dashboard: ${leaked.join(', ')}`).toEqual([]);
  });

  it('pulls in no Node built-in', () => {
    const stubs = [...sources].filter((s) => s.includes(NODE_BUILTIN_STUB));
    expect(stubs, 'a node: import reached the dashboard (vite build names the module that imports it)').toEqual([]);
  });

  it('holds no server-only package', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const serverOnly = new Set(Object.keys(pkg.dependencies).filter((name) => !SHARED_PACKAGES.has(name)));
    const leaked = [...new Set([...sources].filter((s) => s.includes('node_modules/')).map(packageOf))].filter((name) => serverOnly.has(name)).sort();
    expect(leaked, `server packages bundled into the dashboard: ${leaked.join(', ')}`).toEqual([]);
  });

  it.each(SERVER_TEXT)('holds no text of %s ("%s")', (file, text) => {
    // The marker must still be in its file, or this check would pass for nothing.
    expect(readFileSync(path.join(ROOT, file), 'utf8'), `${file} no longer says "${text}": pick another marker`).toContain(text);
    const holding = shipped.filter((f) => f.text.includes(text)).map((f) => f.name);
    expect(holding, `"${text}" of ${file} leaked into the dashboard bundle: ${holding.join(', ')}`).toEqual([]);
  });
});
