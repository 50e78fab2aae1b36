import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { every } from '../../../src/infra/periodic.js';

describe('every', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs a round each interval, lets a turn pass while one still runs, goes on after a round throws, and stops', async () => {
    let started = 0;
    let release: () => void = () => {};
    const round = vi.fn(async () => {
      started++;
      if (started === 1) await new Promise<void>((resolve) => (release = resolve));
      if (started === 2) throw new Error('the database is down');
    });
    const stop = every(1000, round);
    expect(round).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(1);
    // The first round is still running: these turns pass.
    await vi.advanceTimersByTimeAsync(2000);
    expect(started).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(2);
    // It threw; the next turn runs all the same.
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(3);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(started).toBe(3);
  });

  it('tells onError the first failure of each run of failures, not every turn', async () => {
    const outcomes = [false, false, true, false];
    let turn = 0;
    const onError = vi.fn();
    const stop = every(
      1000,
      async () => {
        if (!outcomes[turn++]) throw new Error(`down at turn ${turn}`);
      },
      { onError },
    );
    await vi.advanceTimersByTimeAsync(4000);
    expect(turn).toBe(4);
    expect(onError.mock.calls.map(([err]) => (err as Error).message)).toEqual(['down at turn 1', 'down at turn 4']);
    stop();
  });

  it('with `now`, runs the first round at once', async () => {
    const round = vi.fn(async () => {});
    const stop = every(1000, round, { now: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(round).toHaveBeenCalledTimes(1);
    stop();
  });
});
