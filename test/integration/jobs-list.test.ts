import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, startHarness, type Harness } from '../support/harness.js';

/** A tiny valid spec; with no worker running its job stays queued. */
const tinyJob = (name: string) => ({
  name,
  dataset: { builtin: 'mnist', split: 'train', limit: 100, seed: 1 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 8, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 1 },
});

describe.each(QUEUE_BACKENDS)('listing and cancelling jobs ($name queue)', ({ redisUrl }) => {
  let h: Harness;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    for (let i = 0; i < 5; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/jobs', payload: tinyJob(`list-${i}`) });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
      // createdAt has millisecond precision: keep the creation order unambiguous.
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  afterAll(async () => h?.close());

  const list = async (query: string) => {
    const res = await h.app.inject({ method: 'GET', url: `/jobs${query}` });
    expect(res.statusCode).toBe(200);
    return res.json() as { items: Array<Record<string, any>>; nextCursor: string | null };
  };

  it('a queued job has no metrics, model, attempts or backend yet', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/jobs/${ids[0]}` });
    expect(res.statusCode).toBe(200);
    const job = res.json();
    expect(job).toMatchObject({
      id: ids[0],
      name: 'list-0',
      status: 'queued',
      metrics: null,
      modelId: null,
      attempts: 0,
      backend: null,
      startedAt: null,
      finishedAt: null,
      error: null,
      evaluation: null,
    });
    expect(Array.isArray(job.warnings)).toBe(true);
    expect(Number.isNaN(new Date(job.createdAt).getTime())).toBe(false);
    // The accepted spec comes back with the job.
    expect(job.spec.model.layers[1]).toMatchObject({ type: 'Dense', units: 8 });
  });

  it('pages through every job newest first, two at a time', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
      expect(typeof cursor).toBe('string');
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse());
    expect(cursor).toBeNull();
  });

  it('a page that holds exactly the rest has a null nextCursor', async () => {
    const all = await list('?limit=5');
    expect(all.items.map((j) => j.id)).toEqual([...ids].reverse());
    expect(all.nextCursor).toBeNull();
    const first = await list('?limit=4');
    expect(first.items).toHaveLength(4);
    expect(first.nextCursor).not.toBeNull();
    const rest = await list(`?limit=4&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(rest.items.map((j) => j.id)).toEqual([ids[0]]);
    expect(rest.nextCursor).toBeNull();
  });

  it('filters by status', async () => {
    const queued = await list('?status=queued');
    expect(queued.items.map((j) => j.id)).toEqual([...ids].reverse());
    for (const j of queued.items) expect(j.status).toBe('queued');
    const succeeded = await list('?status=succeeded');
    expect(succeeded.items).toEqual([]);
    expect(succeeded.nextCursor).toBeNull();
  });

  it('a bad cursor, limit or status is a 400 with the error shape', async () => {
    for (const query of [
      '?cursor=not-a-cursor',
      `?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?status=done',
    ]) {
      const res = await h.app.inject({ method: 'GET', url: `/jobs${query}` });
      expect(res.statusCode, query).toBe(400);
      const body = res.json();
      expect(body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(Array.isArray(body.details), query).toBe(true);
      expect(body.details.length, query).toBeGreaterThan(0);
    }
    const bad = await h.app.inject({ method: 'GET', url: '/jobs?cursor=not-a-cursor' });
    expect(bad.json().details[0].path).toMatch(/cursor/);
  });

  it('cancels a queued job at once; a second cancel is a 409', async () => {
    const id = ids[2];
    const before = Date.now();
    const res = await h.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id, status: 'cancelled' });

    const job = (await h.app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
    expect(job.status).toBe('cancelled');
    expect(job.finishedAt).not.toBeNull();
    expect(new Date(job.finishedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(job.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(job.createdAt).getTime());
    expect(job.startedAt).toBeNull();
    expect(job.modelId).toBeNull();

    const again = await h.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('cancelled'), details: [] });

    const cancelled = await list('?status=cancelled');
    expect(cancelled.items.map((j) => j.id)).toEqual([id]);
    const queued = await list('?status=queued');
    expect(queued.items.map((j) => j.id)).toEqual([ids[4], ids[3], ids[1], ids[0]]);
    // The unfiltered list still has all five, in order.
    expect((await list('')).items.map((j) => j.id)).toEqual([...ids].reverse());

    // The queue no longer holds it (so a worker starting later would not train it).
    const queuedJob = await h.queue.getJob(id);
    expect(queuedJob ?? null).toBeNull();
  });

  it('cancelling an unknown job is a 404', async () => {
    const res = await h.app.inject({ method: 'POST', url: `/jobs/${randomUUID()}/cancel` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });
});
