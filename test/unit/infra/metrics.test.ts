import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { forgetTrainingProcess, pruneTrainingProcesses, recordJob, recordJobLost, scrape, trainingProcessPids } from '../../../src/infra/metrics.js';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
async function sample(series: string): Promise<number | undefined> {
  const line = (await scrape()).body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

/** The pid of a process that has already exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('per training process metrics', () => {
  it('drops the series of a training process that has ended at the next scrape, and keeps live ones', async () => {
    const gone = deadPid();
    const live = process.pid;
    for (const pid of [gone, live]) recordJob({ outcome: 'succeeded', pid, numTensors: 7, numBytes: 100, rssBytes: 1000, cacheHits: 1, cacheMisses: 1 });
    expect(trainingProcessPids()).toEqual(expect.arrayContaining([gone, live]));

    const text = (await scrape()).body;
    for (const name of ['tfjs_tensors', 'tfjs_bytes', 'training_process_resident_memory_bytes']) {
      expect(text).not.toContain(`${name}{pid="${gone}"}`);
      expect(text).toContain(`${name}{pid="${live}"}`);
    }
    expect(trainingProcessPids()).not.toContain(gone);
    expect(trainingProcessPids()).toContain(live);
    forgetTrainingProcess(live);
    expect(await sample(`tfjs_tensors{pid="${live}"}`)).toBeUndefined();
  });

  it('a new process with a forgotten pid counts its cache lookups from zero', async () => {
    const pid = 2_000_000_001; // not a pid this test's machine hands out
    const before = (await sample('dataset_cache_lookups_total{result="hit"}')) ?? 0;
    recordJob({ outcome: 'succeeded', pid, cacheHits: 5, cacheMisses: 0 });
    expect(await sample('dataset_cache_lookups_total{result="hit"}')).toBe(before + 5);
    pruneTrainingProcesses((p) => p !== pid);
    expect(trainingProcessPids()).not.toContain(pid);
    // Its successor's running total starts again: 2 hits are 2 new hits, not 3 fewer.
    recordJob({ outcome: 'succeeded', pid, cacheHits: 2, cacheMisses: 0 });
    expect(await sample('dataset_cache_lookups_total{result="hit"}')).toBe(before + 7);
    forgetTrainingProcess(pid);
  });

  it('counts a lost job as failed', async () => {
    const before = (await sample('training_jobs_total{status="failed"}')) ?? 0;
    recordJobLost();
    expect(await sample('training_jobs_total{status="failed"}')).toBe(before + 1);
  });
});
