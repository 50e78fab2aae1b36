import { describe, expect, it } from 'vitest';
import { CheckpointSchedule } from '../../../src/worker/checkpoint-schedule.js';

/** A schedule on a clock the test moves; `store` takes `writeMs` of that clock. */
function setup(everyMs: number) {
  let clock = 1_000;
  const schedule = new CheckpointSchedule(everyMs, () => clock);
  const stored: number[] = [];
  return {
    schedule,
    advance: (ms: number) => (clock += ms),
    /** One epoch's end: `epochMs` of training, then a checkpoint if one is due. */
    async epoch(epochMs: number, writeMs = 0) {
      clock += epochMs;
      if (schedule.due())
        await schedule.store(async () => {
          clock += writeMs;
          stored.push(clock);
        });
    },
    stored,
  };
}

describe('CheckpointSchedule', () => {
  it('0 stores a checkpoint after every epoch', async () => {
    const s = setup(0);
    for (let i = 0; i < 5; i++) await s.epoch(10, 50);
    expect(s.stored).toHaveLength(5);
  });

  it('stores one once `everyMs` have passed since training began, then since the last one ended', async () => {
    const s = setup(30_000);
    // Ten 4-second epochs: due after the 8th (32 s), then not before 30 s after that one.
    for (let i = 0; i < 10; i++) await s.epoch(4_000);
    expect(s.stored).toEqual([1_000 + 32_000]);
    // Epochs 9 to 15: 28 s since the first one; epoch 16: 32 s.
    for (let i = 0; i < 5; i++) await s.epoch(4_000);
    expect(s.stored).toHaveLength(1);
    await s.epoch(4_000);
    expect(s.stored).toHaveLength(2);
  });

  it('a short job stores none: it would redo at most everyMs of training', async () => {
    const s = setup(30_000);
    for (let i = 0; i < 10; i++) await s.epoch(500, 40);
    expect(s.stored).toHaveLength(0);
  });

  it("waits 20 times the last checkpoint's own duration when that is longer than everyMs", async () => {
    const s = setup(1_000);
    await s.epoch(1_000, 5_000); // a checkpoint that took 5 s: the next one not before 100 s
    expect(s.stored).toHaveLength(1);
    for (let i = 0; i < 99; i++) await s.epoch(1_000, 5_000);
    expect(s.stored).toHaveLength(1);
    await s.epoch(1_000, 5_000);
    expect(s.stored).toHaveLength(2);
  });

  it('refuses a negative or NaN interval', () => {
    expect(() => new CheckpointSchedule(-1)).toThrow(/non-negative/);
    expect(() => new CheckpointSchedule(Number.NaN)).toThrow(/non-negative/);
  });
});
