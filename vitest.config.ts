import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/support/long-first-sequencer.js';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Three files at a time: most of an integration file's time is spent waiting (a worker process
    // starting, an outage, an epoch), so files overlap well even on 2 cores. Every test has its own
    // schema and queue, so files never see each other. The longest files start first.
    fileParallelism: true,
    maxWorkers: 3,
    sequence: { sequencer: LongFirstSequencer },
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // One process runs one file after another, so each imports the service (Fastify, Prisma,
          // BullMQ, TensorFlow.js: seconds of CPU) once, not once per file. These files share no
          // state but the process's own (its metrics registry: the metrics test reads differences).
          isolate: false,
        },
      },
    ],
  },
});
