import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time: most of an integration file's time is spent waiting (a worker process
    // starting, a lock expiring, an epoch), so two overlap well even on 2 cores. Measured on this
    // 2-core machine, quiet: the whole suite 969 s one file at a time, 683 s two at a time, all
    // passing. Every test has its own schema and queue, so files never see each other.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
});
