import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/support/long-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time: most of an integration file's time is spent waiting (a worker process
    // starting, a lock expiring, an epoch), so two overlap well even on 2 cores. Measured on this
    // 2-core machine, quiet, 2026-11-29: 969 s one file at a time, 683-698 s two at a time, 735 s
    // three at a time (CPU-bound files then slow each other down). Every test has its own schema
    // and queue, so files never see each other. The longest files start first.
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongFirstSequencer },
    pool: 'forks',
  },
});
