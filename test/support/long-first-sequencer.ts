import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (measured in a quiet CI run, 2026-11-29: 50-100 s each) go first,
 * so that no long file starts last and leaves the other workers idle at the end. The rest keep
 * vitest's own order (its cached durations, else file size).
 */
const LONGEST = [
  'test/integration/resilience-postgres.test.ts',
  'test/integration/resilience-redis.test.ts',
  'test/browser/dashboard.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/studies.test.ts',
  'test/integration/start-stop.test.ts',
  'test/integration/every-layer-and-loss.test.ts',
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
