import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { deserializeModel, serializeModel } from '../../../../src/training/model/artifact.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { prepareBaseLayers, selectBaseLayers, setFrozen } from '../../../../src/training/model/transfer.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

const SPEC: LayerSpec[] = [
  { type: 'Dense', units: 6, activation: 'relu', name: 'h1' },
  { type: 'BatchNormalization', name: 'bn' },
  { type: 'RReLU', lower: 0.1, upper: 0.2, name: 'rr' },
  { type: 'Dense', units: 3, activation: 'softmax', name: 'out' },
];

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

async function trained(): Promise<{ model: tf.LayersModel; x: tf.Tensor; y: tf.Tensor }> {
  const model = buildModel(SPEC, { inputShape: [4], seed: 3 });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomNormal([24, 4], 2, 1, 'float32', 5);
  const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 3));
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
  return { model, x, y };
}

describe('serializeModel / deserializeModel', () => {
  it('round-trips topology, weights (incl. BN moving stats), RReLU and preprocessing', async () => {
    const { model, x, y } = await trained();
    const movingMean = Array.from(model.getLayer('bn').getWeights()[2].dataSync());
    expect(movingMean.some((v) => Math.abs(v) > 0.01)).toBe(true); // fit moved them off zero
    const preprocessing = { featureShape: [4], standardize: { mean: [1, 2, 3, 4], std: [1, 1, 1, 1] } };
    const artifact = await serializeModel(model, preprocessing);
    expect(artifact.modelJson).toMatchObject({ format: 'layers-model', convertedBy: null, userDefinedMetadata: { preprocessing } });
    const manifest = artifact.modelJson['weightsManifest'] as Array<{ paths: string[]; weights: Array<{ name: string }> }>;
    expect(manifest[0].paths).toEqual(['weights.bin']);
    expect(manifest[0].weights.map((w) => w.name)).toContain('bn/moving_mean');
    expect(artifact.weights.byteLength).toBe(4 * model.countParams());

    // Survives JSON and a copy into an offset view, as storage would hand it back.
    const padded = new Uint8Array(artifact.weights.byteLength + 8);
    padded.set(artifact.weights, 8);
    const restored = await deserializeModel({ modelJson: JSON.parse(JSON.stringify(artifact.modelJson)), weights: padded.subarray(8) });
    expect(restored.preprocessing).toEqual(preprocessing);
    expect(values(restored.model.getWeights())).toEqual(values(model.getWeights()));
    expect(restored.model.getLayer('rr').getClassName()).toBe('RReLU');
    const a = model.predict(x) as tf.Tensor;
    const b = restored.model.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x, y]);
    model.dispose();
    restored.model.dispose();
  });
});

describe('transfer', () => {
  it('selects base layers by dropLast, count or names', () => {
    const names = ['a', 'b', 'c', 'd'];
    expect(selectBaseLayers(names, { dropLast: 1 }).indices).toEqual([0, 1, 2]);
    expect(selectBaseLayers(names, { layers: 2 }).indices).toEqual([0, 1]);
    expect(selectBaseLayers(names, { dropLast: 1, layers: ['c', 'a', 'd'] })).toEqual({ indices: [0, 2], unknownNames: ['d'] });
  });

  it('clones base layers with copied weights; training the new model never changes the base', async () => {
    const { model: base, x, y } = await trained();
    const before = values(base.getWeights());
    const { layers, reusedNames } = await prepareBaseLayers(base, { dropLast: 1, freeze: false });
    expect(reusedNames).toEqual(['h1', 'bn', 'rr']);
    const model = buildModel([{ type: 'Dense', units: 3, activation: 'softmax' }], { inputShape: [4], base: layers, seed: 1 });
    expect(values(model.getLayer('h1').getWeights())).toEqual(values(base.getLayer('h1').getWeights()));
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(values(model.getLayer('h1').getWeights())).not.toEqual(values(base.getLayer('h1').getWeights()));
    expect(values(base.getWeights())).toEqual(before);
    tf.dispose([x, y]);
    model.dispose();
    base.dispose();
  });

  it('a frozen BatchNormalization layer keeps its moving statistics; unfrozen they change', async () => {
    const { model: base, x, y } = await trained();
    const stats = (m: tf.LayersModel) => values(m.getLayer('bn').getWeights().slice(2));
    const { layers } = await prepareBaseLayers(base, { dropLast: 1, freeze: true });
    const model = buildModel([{ type: 'Dense', units: 3, activation: 'softmax' }], { inputShape: [4], base: layers });
    const frozenStats = stats(model);
    const frozenKernel = values(model.getLayer('h1').getWeights());
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
    const x2 = tf.mul(x, 3); // a shifted distribution, so an update would show
    await model.fit(x2, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(stats(model)).toEqual(frozenStats);
    expect(values(model.getLayer('h1').getWeights())).toEqual(frozenKernel);

    setFrozen(layers, false);
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x2, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(stats(model)).not.toEqual(frozenStats);
    tf.dispose([x, x2, y]);
    model.dispose();
    base.dispose();
  });
});
