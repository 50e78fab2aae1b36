import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Writes each test file's wall time, from the moment it was handed to a worker to its end (imports,
 * hooks and tests: what the JSON reporter's per-file times leave out, since they span its tests
 * only), longest first, to FILE_TIMES_OUT (default file-times.json). The numbers the long-first
 * sequencer's order comes from: `npx vitest run --reporter=default --reporter=./test/support/file-times-reporter.ts`.
 */
export default class FileTimesReporter implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly rows: Array<{ file: string; wallS: number; importS: number; hooksAndTestsS: number; state: string }> = [];

  onTestModuleQueued(module: TestModule): void {
    this.started.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    const { collectDuration, duration } = module.diagnostic();
    const start = this.started.get(module.moduleId) ?? Date.now();
    this.rows.push({
      file: path.relative(process.cwd(), module.moduleId).split(path.sep).join('/'),
      wallS: round((Date.now() - start) / 1000),
      importS: round(collectDuration / 1000),
      hooksAndTestsS: round(duration / 1000),
      state: module.state(),
    });
  }

  onTestRunEnd(): void {
    const out = process.env.FILE_TIMES_OUT ?? 'file-times.json';
    const rows = [...this.rows].sort((a, b) => b.wallS - a.wallS);
    const sumS = round(rows.reduce((n, r) => n + r.wallS, 0));
    writeFileSync(out, JSON.stringify({ sumS, files: rows }, null, 2));
  }
}

const round = (s: number) => Math.round(s * 10) / 10;
