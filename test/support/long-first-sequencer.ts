import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first (measured in a quiet fresh-clone CI run, 2026-11-29
 * 23:33 UTC, three files at a time: 40-127 s each), so that no long file starts last and leaves
 * the other workers idle at the end (a 62 s file that started late was the run's last minute).
 * The rest keep vitest's own order (its cached durations, else file size).
 */
const LONGEST = [
  'test/integration/resilience-postgres.test.ts',
  'test/browser/dashboard.test.ts',
  'test/integration/resilience-redis.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/studies.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/every-layer-and-loss.test.ts',
  'test/integration/start-stop.test.ts',
  'test/integration/train-end-to-end.test.ts',
  'test/integration/events-cancel.test.ts',
  'test/integration/live-progress.test.ts',
  'test/integration/db-outage-worker.test.ts',
  'test/integration/cli-admin.test.ts',
  'test/integration/datasets.test.ts',
  'test/integration/training-process-guard.test.ts',
  'test/integration/models-import.test.ts',
  'test/integration/fair-scheduling.test.ts',
  'test/integration/outages.test.ts',
  'test/integration/diagnosis-retry.test.ts',
  'test/integration/transfer.test.ts',
];

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.indexOf(path.relative(process.cwd(), f.moduleId).split(path.sep).join('/'));
      return i < 0 ? LONGEST.length : i;
    };
    return sorted.map((f, order) => ({ f, order })).sort((a, b) => rank(a.f) - rank(b.f) || a.order - b.order).map(({ f }) => f);
  }
}
