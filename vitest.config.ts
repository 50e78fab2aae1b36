import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/support/long-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Three files at a time: most of an integration file's time is spent waiting (a worker process
    // starting, a lock expiring, an outage, an epoch), so files overlap well even on 2 cores.
    // Measured on a 2-core machine, 2026-11-29: 969 s one file at a time, 683-698 s two at a time
    // (735 s three at a time then, with two runaway processes taking a core); on a slower 2-core
    // machine, quiet, the same evening with 114 files: 795 s two at a time, 719 s three at a time
    // (.ci/run 916 s against 779 s). Every test has its own schema and queue, so files never see
    // each other. The longest files start first.
    fileParallelism: true,
    maxWorkers: 3,
    sequence: { sequencer: LongFirstSequencer },
    pool: 'forks',
  },
});
