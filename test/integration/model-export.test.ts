/**
 * GET /models/:id/export end to end: a model trained by a real worker downloads as ONNX, which
 * ONNX Runtime runs to the service's own predictions; the TensorFlow.js artifact downloads as a
 * ZIP; another tenant gets 404; a layer ONNX cannot express is a 400 naming it.
 */
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnx } from '../../src/training/export/onnx/graph.js';
import { TrainingClient } from '../../src/sdk/index.js';
import { serializeModel } from '../../src/training/model/artifact.js';
import { startHarness, waitForJob, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, makeTenant, tinyDatasetBody, tinyJobSpec, type TenantKeys } from '../support/tenants.js';
import { checkModels, onnxPython } from '../support/onnx-check.js';
import { listZip } from '../support/zip-check.js';

let h: Harness;
let a: TenantKeys;
let b: TenantKeys;
let modelId = '';
const dataset = tinyDatasetBody('export-data');

beforeAll(async () => {
  h = await startHarness();
  const admin = await bootstrapAdmin(h);
  a = await makeTenant(h, admin, 'export-a');
  b = await makeTenant(h, admin, 'export-b');
  await h.startWorker();
  const ds = await h.app.inject({ method: 'POST', url: '/datasets', headers: bearer(a.member), payload: dataset });
  expect(ds.statusCode, ds.body).toBe(201);
  const spec = tinyJobSpec(ds.json().id, { modelName: 'export-test', dataset: { id: ds.json().id, classes: [1, 0] } });
  const job = await h.app.inject({ method: 'POST', url: '/jobs', headers: bearer(a.member), payload: spec });
  expect(job.statusCode, job.body).toBe(201);
  const done = await waitForJob(h, job.json().id, 120_000, bearer(a.member));
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  modelId = done.modelId;
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const download = (id: string, format: string, key: string) =>
  h.app.inject({ method: 'GET', url: `/models/${id}/export?format=${format}`, headers: bearer(key) });

describe('GET /models/:id/export', () => {
  it('format=onnx: a file ONNX Runtime runs to the same outputs as POST /models/:id/predict', async () => {
    const res = await download(modelId, 'onnx', a.viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename="export-test-v1.onnx"');
    const bytes = res.rawPayload;
    const proto = onnx.ModelProto.decode(bytes);
    const props = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
    expect(props['classes']).toBe('["1","0"]');
    expect(props['model_id']).toBe(modelId);
    expect([proto.graph?.name, Number(proto.modelVersion)]).toEqual(['export-test', 1]);

    const predicted = await h.app.inject({
      method: 'POST',
      url: `/models/${modelId}/predict`,
      headers: bearer(a.member),
      payload: { inputs: dataset.features },
    });
    expect(predicted.statusCode, predicted.body).toBe(200);
    const expected = (predicted.json().outputs as number[][]).flat();
    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor('float32', Float32Array.from(dataset.features.flat()), [dataset.features.length, 4]);
    const out = (await session.run({ input })).output;
    await session.release();
    expect(out.dims).toEqual([dataset.features.length, 2]);
    const got = Array.from(out.data as Float32Array);
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
    if (onnxPython()) expect(checkModels({ trained: bytes })).toEqual({});
  });

  it('format=tfjs: model.json and weights.bin in one ZIP', async () => {
    const res = await download(modelId, 'tfjs', a.member);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe('attachment; filename="export-test-v1.zip"');
    const files = await listZip(res.rawPayload);
    const weights = await h.app.inject({ method: 'GET', url: `/models/${modelId}/artifact/weights.bin`, headers: bearer(a.member) });
    expect(Buffer.compare(files['weights.bin'], weights.rawPayload)).toBe(0);
    expect(JSON.parse(files['model.json'].toString('utf8')).weightsManifest[0].paths).toEqual(['weights.bin']);
  });

  it('the SDK exportModel returns the file and its name', async () => {
    const client = new TrainingClient({ baseUrl: h.baseUrl, apiKey: a.viewer });
    const file = await client.exportModel(modelId);
    expect([file.fileName, file.contentType]).toEqual(['export-test-v1.onnx', 'application/octet-stream']);
    expect(onnx.ModelProto.decode(new Uint8Array(file.bytes)).graph?.output?.[0].name).toBe('output');
    await expect(new TrainingClient({ baseUrl: h.baseUrl, apiKey: b.member }).exportModel(modelId, 'tfjs')).rejects.toMatchObject({ status: 404 });
  });

  it("another tenant's model is a 404, in either format", async () => {
    for (const format of ['onnx', 'tfjs']) {
      const res = await download(modelId, format, b.member);
      expect(res.statusCode, `${format}: ${res.body}`).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
  });

  it('an unknown format is a 400 naming the field', async () => {
    const res = await download(modelId, 'pickle', a.member);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/format/);
  });

  it('a model with a layer ONNX cannot express is a 400 naming the layer', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'd' }), tf.layers.masking({ maskValue: 0, name: 'mask_me' })] });
    const artifact = await serializeModel(model);
    model.dispose();
    const imported = await h.app.inject({
      method: 'POST',
      url: '/models',
      headers: bearer(a.member),
      payload: { modelJson: artifact.modelJson, weights: Buffer.from(artifact.weights).toString('base64') },
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const res = await download(imported.json().id, 'onnx', a.member);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toMatch(/Layer mask_me \(Masking\) cannot be exported to ONNX/);
    // Its TensorFlow.js artifact still downloads.
    expect((await download(imported.json().id, 'tfjs', a.member)).statusCode).toBe(200);
  });
});
