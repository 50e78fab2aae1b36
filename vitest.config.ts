import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/support/long-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Three files at a time: most of an integration file's time is spent waiting (a worker process
    // starting, a lock expiring, an epoch), so they overlap well even on 2 cores. Measured on this
    // 2-core machine, quiet: the suite of 2026-11-29 took 969 s one file at a time and 683 s two
    // at a time; with 104 files, 698 s two at a time (see the README for three). Every test has
    // its own schema and queue, so files never see each other. The longest files start first.
    fileParallelism: true,
    maxWorkers: 3,
    sequence: { sequencer: LongFirstSequencer },
    pool: 'forks',
  },
});
