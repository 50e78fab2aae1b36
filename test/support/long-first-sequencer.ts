import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first (from a full run's per-file wall times, three files at
 * a time: 10-60 s each), so that no long file starts last and leaves the other workers idle at the
 * end. Re-measure when files are added or grow:
 * `npx vitest run --reporter=default --reporter=./test/support/file-times-reporter.ts`.
 * The rest keep vitest's own order (its cached durations, else file size).
 */
const LONGEST = [
  'test/integration/db-outage-worker.test.ts',
  'test/integration/start-stop.test.ts',
  'test/integration/webgpu-worker.test.ts',
  'test/integration/resilience-postgres.test.ts',
  'test/integration/every-layer-and-loss.test.ts',
  'test/integration/resilience-redis.test.ts',
  'test/integration/studies.test.ts',
  'test/browser/dashboard.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/events-cancel.test.ts',
  'test/integration/cli.test.ts',
  'test/unit/training/diagnosis/corpus.test.ts',
  'test/integration/cnn.test.ts',
  'test/integration/abuse-corpus.test.ts',
  'test/integration/replay.test.ts',
  'test/integration/webhooks.test.ts',
  'test/integration/outages.test.ts',
  'test/integration/training-process-guard.test.ts',
  'test/integration/autoencoder.test.ts',
  'test/unit/training/backend/webgpu-parity.test.ts',
  'test/integration/health-probe.test.ts',
  'test/unit/schemas/openapi-docs.test.ts',
  'test/integration/diagnosis-retry.test.ts',
  'test/integration/datasets.test.ts',
  'test/integration/sdk.test.ts',
  'test/integration/transfer.test.ts',
  'test/unit/features/models/predictor.test.ts',
  'test/unit/threads/pool.test.ts',
  'test/integration/models-import.test.ts',
  'test/unit/http/plugins/auth.test.ts',
  'test/integration/train-end-to-end.test.ts',
  'test/unit/http/plugins/local-only.test.ts',
  'test/integration/cli-admin.test.ts',
  'test/unit/http/health-adapter.test.ts',
  'test/unit/schemas/openapi.test.ts',
  'test/integration/model-export.test.ts',
  'test/integration/hostile-input.test.ts',
  'test/unit/ui/bundle.test.ts',
];

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.indexOf(path.relative(process.cwd(), f.moduleId).split(path.sep).join('/'));
      return i < 0 ? LONGEST.length : i;
    };
    // A process that ran a non-isolated file takes the next file only when that one is
    // non-isolated too (else it is ended and the next file pays for a fresh import of the service):
    // those files go first, together.
    const shared = (f: TestSpecification) => (f.project.config.isolate === false ? 0 : 1);
    return sorted
      .map((f, order) => ({ f, order }))
      .sort((a, b) => shared(a.f) - shared(b.f) || rank(a.f) - rank(b.f) || a.order - b.order)
      .map(({ f }) => f);
  }
}
