import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BACKENDS, smallFashionJob, startHarness, waitForJob, type Harness } from '../support/harness.js';

// Training, the stored artifact and predict do not depend on the queue, which carries jobs end to
// end on both backends in other files (the resilience, events and CLI files among them): Redis
// when the suite has it, else PostgreSQL.
const { name, redisUrl } = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1];

describe(`a Fashion-MNIST job end to end over HTTP (${name} queue)`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redisUrl });
    await h.startWorker();
  });
  afterAll(async () => h?.close());

  it('trains, records every epoch, then predicts and serves a loadable model', async () => {
    const created = await fetch(`${h.baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(smallFashionJob()),
    });
    expect(created.status).toBe(201);
    const { id, status } = await created.json();
    expect(status).toBe('queued');

    const job = await waitForJob(h, id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(job.backend);
    expect(job.attempts).toBe(1);
    expect(new Date(job.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(job.createdAt).getTime());
    expect(new Date(job.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(job.startedAt).getTime());
    // 480 training samples of 10 classes, 3 epochs: far better than chance (0.1).
    expect(job.metrics.val_accuracy).toBeGreaterThan(0.4);
    expect(job.evaluation.accuracy).toBeGreaterThan(0.4);
    expect(Number.isFinite(job.evaluation.loss)).toBe(true);

    const metrics = await (await fetch(`${h.baseUrl}/jobs/${id}/metrics`)).json();
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    for (const row of metrics.epochs) {
      expect(row.phase).toBe('train');
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(Number.isFinite(row[key])).toBe(true);
      expect(row.durationMs).toBeGreaterThan(0);
    }
    expect(metrics.epochs[2].loss).toBeLessThan(metrics.epochs[0].loss);

    const diagnostics = await (await fetch(`${h.baseUrl}/jobs/${id}/diagnostics`)).json();
    expect(diagnostics.epochs).toHaveLength(3);
    expect(diagnostics.epochs[0].layers.map((l: { name: string }) => l.name)).toEqual(['dense', 'dense_1']);

    const model = await (await fetch(`${h.baseUrl}/models/${job.modelId}`)).json();
    expect(model.jobId).toBe(id);
    expect(model.summary.totalParams).toBe(784 * 32 + 32 + 32 * 10 + 10);
    expect(model.summary.trainableParams).toBe(model.summary.totalParams);
    expect(model.inputShape).toEqual([28, 28]);

    const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r * 28 + c) % 7) / 7));
    const predicted = await fetch(`${h.baseUrl}/models/${job.modelId}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [image, image] }),
    });
    expect(predicted.status).toBe(200);
    const { outputs } = await predicted.json();
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toHaveLength(10);
    expect(outputs[0].reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);

    // The artifact loads straight from the URL with tf.loadLayersModel and predicts the same.
    await tf.setBackend('cpu');
    const loaded = await tf.loadLayersModel(`${h.baseUrl}/models/${job.modelId}/artifact/model.json`);
    const local = tf.tidy(() => (loaded.predict(tf.tensor([image])) as tf.Tensor).arraySync() as number[][]);
    loaded.dispose();
    local[0].forEach((v, i) => expect(v).toBeCloseTo(outputs[0][i], 4));
  });
});
