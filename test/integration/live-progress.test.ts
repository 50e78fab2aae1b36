import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, type Harness } from '../support/harness.js';

describe.each(QUEUE_BACKENDS)('progress is pushed from the worker through the queue ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
  });
  afterAll(async () => h?.close());

  it('an event stream sees batch progress, every epoch and the final status', async () => {
    const spec = smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 2, batchSize: 8, seed: 2 } });
    const id = (await h.app.inject({ method: 'POST', url: '/jobs', payload: spec })).json().id;
    const res = await fetch(`${h.baseUrl}/jobs/${id}/events`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const seen: Array<{ event: string; data: any; at: number }> = [];
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) seen.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
    const progress = seen.filter((e) => e.event === 'progress');
    // 960 samples in batches of 8: 120 batches an epoch, several seconds of training.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(p.data.batches).toBe(120);
      expect(p.data.batch).toBeGreaterThanOrEqual(1);
      expect(p.data.batch).toBeLessThanOrEqual(120);
    }
    const rows = await h.db.epochMetric.findMany({ where: { runId: id } });
    expect(rows).toHaveLength(2);
    expect(seen.filter((e) => e.event === 'epoch').map((e) => e.data.epoch)).toEqual([1, 2]);
    expect(seen.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
  });
});
