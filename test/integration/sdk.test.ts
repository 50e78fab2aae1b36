import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, TrainingClient, type EpochMetrics, type JobEvent, type JobSpec } from '../../src/sdk/index.js';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, type Harness } from '../support/harness.js';

const { name: queueName, redisUrl } = QUEUE_BACKENDS[0];

/** `queued`, `running`, `epoch 1`, ... `succeeded`: the durable events, in order. */
const durable = (events: JobEvent[]) =>
  events.filter((e) => e.event !== 'progress').map((e) => (e.event === 'status' ? e.data.status : `epoch ${e.data.epoch}`));

async function collect(iterable: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  for await (const e of iterable) events.push(e);
  return events;
}

describe(`TrainingClient against the real service (${queueName} queue)`, () => {
  let h: Harness;
  let client: TrainingClient;
  let jobId: string;
  let modelId: string;

  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
    client = new TrainingClient({ baseUrl: `${h.baseUrl}/`, headers: { 'x-test': 'sdk' } });
  });
  afterAll(async () => h?.close());

  it('reports health', async () => {
    const health = await client.health();
    expect(health).toMatchObject({ status: 'ok', db: 'ok', queue: 'ok', queueBackend: queueName });
  });

  it('creates datasets from JSON and from a CSV upload, and reads them back', async () => {
    const xor = await client.createDataset({
      name: 'xor',
      features: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      labels: [0, 1, 1, 0],
    });
    expect(xor).toMatchObject({ name: 'xor', samples: 4, featureShape: [2], classes: 2 });
    expect(await client.getDataset(xor.id)).toMatchObject({ id: xor.id, samples: 4 });

    const csv = await client.uploadCsv('a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n', { labelColumn: 'label', name: 'pets' });
    expect(csv).toMatchObject({ name: 'pets', samples: 3, featureShape: [2], classes: 2, labelNames: ['cat', 'dog'] });
    const blob = await client.uploadCsv(new Blob(['x,y\n1,2\n3,4\n'], { type: 'text/csv' }), { labelColumn: 'y' });
    expect(blob.samples).toBe(2);
  });

  it('watchJob yields status and epoch events in order, ending with succeeded', async () => {
    ({ id: jobId } = await client.createJob(smallFashionJob({ fit: { epochs: 3, batchSize: 32, seed: 7 } }) as JobSpec));
    const events = await collect(client.watchJob(jobId));
    expect(durable(events)).toEqual(['queued', 'running', 'epoch 1', 'epoch 2', 'epoch 3', 'succeeded']);
    const ids = events.filter((e) => e.event !== 'progress').map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const e of events) if (e.event === 'progress') expect(e.data.batch).toBeLessThanOrEqual(e.data.batches);

    const job = await client.getJob(jobId);
    expect(job.status).toBe('succeeded');
    expect(job.metrics?.epoch).toBe(3);
    expect(job.evaluation?.accuracy).toBeGreaterThan(0);
    modelId = job.modelId!;
    expect(modelId).toBeTruthy();

    const metrics = await client.getMetrics(jobId);
    expect(metrics.epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(metrics.epochs.every((m) => m.phase === 'train' && m.loss > 0 && m.val_loss !== null)).toBe(true);
    const diagnostics = await client.getDiagnostics(jobId);
    expect(diagnostics.epochs.length).toBe(3);
  });

  it('watchJob resumes after a dropped connection with Last-Event-ID, and falls back to polling', async () => {
    // A stream that breaks right after the first epoch: the client must reopen it after that id.
    const sent: Array<string | null> = [];
    let cut = false;
    const flaky = new TrainingClient({
      baseUrl: h.baseUrl,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (!url.endsWith('/events')) return res;
        sent.push(new Headers(init?.headers).get('last-event-id'));
        if (cut) return res;
        cut = true;
        const text = await res.text();
        const end = text.indexOf('\n\n', text.indexOf('event: epoch')) + 2;
        return new Response(text.slice(0, end), { status: 200, headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const resumed = await collect(flaky.watchJob(jobId, { reconnectDelayMs: 10 }));
    expect(durable(resumed)).toEqual(['queued', 'running', 'epoch 1', 'epoch 2', 'epoch 3', 'succeeded']);
    expect(sent).toEqual([null, '2']);

    // No event stream (a proxy that answers 404): the same events, by polling.
    const noSse = new TrainingClient({
      baseUrl: h.baseUrl,
      fetch: async (url, init) => (url.endsWith('/events') ? new Response('not here', { status: 404 }) : fetch(url, init)),
    });
    const polled = await collect(noSse.watchJob(jobId, { pollMs: 50 }));
    expect(durable(polled)).toEqual(['queued', 'running', 'epoch 1', 'epoch 2', 'epoch 3', 'succeeded']);
    expect(polled.filter((e) => e.event === 'epoch').map((e) => e.data)).toEqual((await client.getMetrics(jobId)).epochs);
    // ... resumable there too.
    expect(durable(await collect(client.watchJob(jobId, { transport: 'poll', lastEventId: '3' })))).toEqual(['epoch 3', 'succeeded']);
    // An unknown job is still a 404, not an endless poll.
    await expect(collect(noSse.watchJob(randomUUID()))).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('waitForJob calls onEpoch once per epoch and resolves with the final job', async () => {
    const { id } = await client.createJob(smallFashionJob({ fit: { epochs: 2, batchSize: 64, seed: 3 } }) as JobSpec);
    const seen: EpochMetrics[] = [];
    const job = await client.waitForJob(id, { onEpoch: (m) => seen.push(m) });
    expect(job).toMatchObject({ id, status: 'succeeded' });
    expect(seen.map((m) => m.epoch)).toEqual([1, 2]);
    expect(seen[1]).toEqual(job.metrics);
  });

  it('listJobs iterates over every page', async () => {
    // Two more (cancelled while queued or running) so there are at least 4 jobs.
    for (let i = 0; i < 2; i++) {
      const { id } = await client.createJob(smallFashionJob({ name: `extra-${i}` }) as JobSpec);
      await client.cancelJob(id).catch(() => {});
    }
    const total = await h.db.run.count();
    const all = [];
    for await (const job of client.listJobs({ limit: 1 })) all.push(job);
    expect(all.length).toBe(total);
    expect(new Set(all.map((j) => j.id)).size).toBe(total);
    expect(all.map((j) => j.createdAt)).toEqual([...all.map((j) => j.createdAt)].sort().reverse());

    const succeeded = [];
    for await (const job of client.listJobs({ status: 'succeeded', limit: 1 })) succeeded.push(job);
    expect(succeeded.length).toBeGreaterThanOrEqual(2);
    expect(succeeded.every((j) => j.status === 'succeeded')).toBe(true);
  });

  it('predicts, downloads the model with weights matching its manifest, and imports it back', async () => {
    const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r * c) % 7) / 7));
    const { outputs } = await client.predict(modelId, [image, image]);
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toHaveLength(10);
    expect(outputs[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // The SDK sends mcDropout on: this network has no dropout layer, and the service says so.
    const mc = await client.predict(modelId, [image], { mcDropout: { samples: 5, seed: 1 } }).catch((e: unknown) => e);
    expect(mc).toMatchObject({ status: 400, details: [{ path: '/mcDropout' }] });

    const { modelJson, weights } = await client.downloadModel(modelId);
    expect(weights).toBeInstanceOf(ArrayBuffer);
    const specs = (modelJson.weightsManifest ?? []).flatMap((g) => g.weights);
    const bytes = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    expect(weights.byteLength).toBe(bytes);
    const info = await client.getModel(modelId);
    expect(info.summary.totalParams).toBe(784 * 32 + 32 + 32 * 10 + 10);
    expect(bytes).toBe(info.summary.totalParams * 4);

    const imported = await client.importModel({ modelJson, weights, name: 'sdk-roundtrip' });
    expect(imported).toMatchObject({ source: 'imported', name: 'sdk-roundtrip', version: 1 });
    expect(imported.summary.totalParams).toBe(info.summary.totalParams);
    const again = await client.predict(imported.id, [image]);
    for (let i = 0; i < 10; i++) expect(again.outputs[0][i]).toBeCloseTo(outputs[0][i], 5);

    const models = [];
    for await (const m of client.listModels({ limit: 1 })) models.push(m.id);
    expect(models).toEqual(expect.arrayContaining([modelId, imported.id]));
  });

  it('throws ApiError: 400 naming the field of a bad spec, 404 for unknown ids, 409 for a second cancel', async () => {
    const spec = smallFashionJob() as any;
    spec.model.layers[1].units = 0;
    const bad = await client.createJob(spec).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toBeInstanceOf(Error);
    const err = bad as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toMatch(/^invalid_/);
    expect(err.details.map((d) => d.path)).toContain('/model/layers/1/units');
    expect(err.message).toBeTruthy();

    for (const call of [
      () => client.getJob(randomUUID()),
      () => client.getModel(randomUUID()),
      () => client.getDataset('nope'),
      () => client.getMetrics(randomUUID()),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'ApiError', status: 404, code: 'not_found' });
    }
    await expect(client.cancelJob(jobId)).rejects.toMatchObject({ status: 409, code: 'conflict' });
  });

  it('stops waitForJob when its AbortSignal aborts (the job goes on until cancelled)', async () => {
    const spec = smallFashionJob({ dataset: { builtin: 'fashion-mnist', split: 'train' }, fit: { epochs: 200, batchSize: 8, seed: 1 } }) as JobSpec;
    const { id } = await client.createJob(spec);
    const controller = new AbortController();
    const started = Date.now();
    const waiting = client.waitForJob(id, {
      signal: controller.signal,
      onEvent: (e) => e.event === 'status' && e.data.status === 'running' && controller.abort(),
    });
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await client.getJob(id)).status).toBe('running');

    // Also while polling, and with an already aborted signal.
    const polling = new AbortController();
    setTimeout(() => polling.abort(), 300);
    await expect(client.waitForJob(id, { transport: 'poll', pollMs: 50, signal: polling.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.waitForJob(id, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });

    expect(await client.cancelJob(id)).toMatchObject({ id });
    const final = await client.waitForJob(id, { signal: AbortSignal.timeout(30_000) });
    expect(final.status).toBe('cancelled');
  });
});
