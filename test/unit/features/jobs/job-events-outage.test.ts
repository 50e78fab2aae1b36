import { describe, expect, it } from 'vitest';
import type { TrainQueue } from '../../../../src/infra/queue/train-queue.js';
import { jobEvents, type JobEvent } from '../../../../src/features/jobs/job-events.js';
import type { Db } from '../../../../src/infra/db/prisma.js';

/** pg's error when the database refuses new sessions (ALLOW_CONNECTIONS false). */
const refused = Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000', severity: 'FATAL' });

describe('an open event stream while the database is unavailable', () => {
  it('stays open and carries on once the database is back, instead of ending', async () => {
    const answers: Array<() => unknown> = [
      () => ({ status: 'running', startedAt: new Date(), error: null, epochs: [] }),
      () => Promise.reject(refused),
      () => Promise.reject(refused),
      () => ({
        status: 'failed',
        startedAt: new Date(),
        error: 'Database error. Code: `55000`. Message: `database "x" is not currently accepting connections`',
        epochs: [],
      }),
    ];
    const db = { run: { findUnique: async () => answers.shift()!() } } as unknown as Db;
    const events: JobEvent[] = [];
    const signal = new AbortController().signal;
    for await (const ev of jobEvents({ db, queue: { getJob: async () => undefined } as unknown as TrainQueue }, 'j', { after: -1, pollMs: 5, signal }))
      events.push(ev);
    expect(events.map((e) => e.event)).toEqual(['status', 'status', 'status']);
    // A stored error from before errors were cleaned is not shown as it is.
    expect(JSON.stringify(events.at(-1))).not.toMatch(/55000|accepting connections|Database error/);
    expect(answers).toHaveLength(0);
  });

  it('ends with the error when it is not an outage', async () => {
    const db = { run: { findUnique: async () => Promise.reject(new TypeError('a bug')) } } as unknown as Db;
    const stream = jobEvents({ db, queue: {} as TrainQueue }, 'j', { after: -1, pollMs: 5, signal: new AbortController().signal });
    await expect(stream.next()).rejects.toThrow('a bug');
  });
});
