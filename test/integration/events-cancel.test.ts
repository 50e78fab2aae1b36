import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';

interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/** Reads a whole Server-Sent Events stream (it ends after the job's final status). */
async function readEvents(url: string, headers: Record<string, string> = {}): Promise<SseEvent[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('event:'))
    .map((block) => {
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
      );
      return { id: fields.id, event: fields.event, data: JSON.parse(fields.data) };
    });
}

async function post(h: Harness, url: string, body?: unknown) {
  const res = await h.app.inject({ method: 'POST', url, ...(body ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: res.json() };
}

// Cancelling a running job and failing one whose loss turns NaN happen in the training process,
// whichever queue brought the job: checked on one backend, Redis when the suite has it. Progress,
// status and epoch events come through the queue: checked on each.
const TRAINING_CHECKS_BACKEND = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1].name;

describe.each(QUEUE_BACKENDS)('live events and cancellation ($name queue)', ({ name, redisUrl }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
  });
  afterAll(async () => h?.close());

  it('pushes batch progress, then status and epoch events in order, and resumes after Last-Event-ID', async () => {
    // 960 samples in batches of 8: 120 batches an epoch, several seconds of training.
    const { body } = await post(
      h,
      '/jobs',
      smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 2, batchSize: 8, seed: 2 } }),
    );
    const events = await readEvents(`${h.baseUrl}/jobs/${body.id}/events`);
    const durable = events.filter((e) => e.event !== 'progress');
    expect(durable.map((e) => (e.event === 'status' ? e.data.status : `epoch ${e.data.epoch}`))).toEqual([
      'queued',
      'running',
      'epoch 1',
      'epoch 2',
      'succeeded',
    ]);
    const ids = durable.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(p.data.batches).toBe(120);
      expect(p.data.batch).toBeGreaterThanOrEqual(1);
      expect(p.data.batch).toBeLessThanOrEqual(120);
    }
    expect(await h.db.epochMetric.count({ where: { runId: body.id } })).toBe(2);

    // A client that saw epoch 1 gets only what came after it.
    const afterFirst = durable.find((e) => e.event === 'epoch' && e.data.epoch === 1)!;
    const resumed = (await readEvents(`${h.baseUrl}/jobs/${body.id}/events`, { 'last-event-id': afterFirst.id! })).filter((e) => e.event !== 'progress');
    expect(resumed.map((e) => (e.event === 'status' ? e.data.status : `epoch ${e.data.epoch}`))).toEqual(['epoch 2', 'succeeded']);
    // An id past every event (beyond int4, once a database error after the 200) resumes after the end.
    const beyond = (await readEvents(`${h.baseUrl}/jobs/${body.id}/events`, { 'last-event-id': '99999999999999999999' })).filter((e) => e.event !== 'progress');
    expect(beyond.map((e) => e.event === 'status' && e.data.status)).toEqual(['succeeded']);
  });

  if (name !== TRAINING_CHECKS_BACKEND) return;

  it('stops a running job within a batch, keeps its finished epochs, and refuses a second cancel', async () => {
    const spec = smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 200, batchSize: 8, seed: 1 } });
    const { body } = await post(h, '/jobs', spec);
    await waitUntil(async () => (await h.db.epochMetric.count({ where: { runId: body.id } })) >= 1);
    const asked = Date.now();
    const cancel = await post(h, `/jobs/${body.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('running');

    const job = await waitForJob(h, body.id, 30_000);
    const tookMs = Date.now() - asked;
    expect(job.status).toBe('cancelled');
    expect(job.modelId).toBeNull();
    expect(tookMs).toBeLessThan(15_000);
    const metrics = (await h.app.inject({ url: `/jobs/${body.id}/metrics` })).json();
    expect(metrics.epochs.length).toBeGreaterThanOrEqual(1);
    expect(metrics.epochs.length).toBeLessThan(200);

    const again = await post(h, `/jobs/${body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('conflict');
  });

  it('stops a running job at the end of the batch in progress, not of the epoch, when batches are slow', async () => {
    // Few, slow batches: 30 of 40 samples through 3,000 and 2,000 units (about 2 GFLOP each). The
    // stop check reads the cancel at most once a second, which such an epoch outlasts several times.
    const spec = smallFashionJob({
      dataset: { builtin: 'fashion-mnist', split: 'train' },
      validation: undefined,
      evaluate: undefined,
      model: {
        layers: [
          { type: 'Flatten' },
          { type: 'Dense', units: 3000, activation: 'relu' },
          { type: 'Dense', units: 2000, activation: 'relu' },
          { type: 'Dense', units: 10, activation: 'softmax' },
        ],
      },
      compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 2, batchSize: 40, seed: 1 },
      diagnostics: { enabled: false },
    });
    const { body } = await post(h, '/jobs', spec);
    let seen: { epoch: number; batch: number; batches: number } | null = null;
    await waitUntil(async () => {
      seen = (await h.app.inject({ url: `/jobs/${body.id}` })).json().progress;
      return seen !== null;
    });
    const atCancel = seen as unknown as { epoch: number; batch: number; batches: number };
    expect(atCancel.epoch).toBe(1);
    expect(atCancel.batches).toBe(30);
    const cancel = await post(h, `/jobs/${body.id}/cancel`);
    expect(cancel.status).toBe(202);

    const job = await waitForJob(h, body.id, 60_000);
    expect(job.status).toBe('cancelled');
    // Epoch 1 was under way and never finished: the stop came at a batch's end.
    expect(await h.db.epochMetric.count({ where: { runId: body.id } })).toBe(0);
  });

  it('fails a job whose loss turns NaN, naming the epoch and batch and suggesting clipping', async () => {
    const n = 64;
    const dataset = await post(h, '/datasets', {
      name: 'explosive',
      features: Array.from({ length: n }, (_, i) => [1e30 * (i + 1), -1e30 * i]),
      labels: Array.from({ length: n }, (_, i) => i % 2),
    });
    expect(dataset.status).toBe(201);
    const { body } = await post(h, '/jobs', {
      dataset: { id: dataset.body.id },
      // A linear output on inputs of 1e30: the squared error overflows float32 on the first batch.
      model: { layers: [{ type: 'Dense', units: 2 }] },
      compile: { optimizer: { type: 'sgd', learningRate: 1 }, loss: 'mse' },
      fit: { epochs: 2, batchSize: 16 },
    });
    const job = await waitForJob(h, body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/epoch 1/i);
    expect(job.error).toMatch(/batch \d+/i);
    expect(job.error).toMatch(/clip/i);
  });
});
