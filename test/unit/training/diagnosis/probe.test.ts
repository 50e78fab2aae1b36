import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradientProbe } from '../../../../src/training/diagnosis/probe.js';
import { useTestBackend } from '../../../support/test-backend.js';
import { Diagnosis } from '../../../../src/training/diagnosis/registry.js';
import type { DiagnosisContext, LayerDetail } from '../../../../src/training/diagnosis/types.js';
import type { EpochDiagnostics } from '../../../../src/core/run-types.js';
import { tinySpec } from '../../../support/tiny-job.js';

/** A context with no spec layers to patch: the rules' findings, without fixes that need the spec. */
const CTX: DiagnosisContext = { spec: tinySpec(), baselineLoss: null, input: { mean: 0, std: 1, absMax: 1 }, labelCounts: null, layerIndex: {} };
const diagnoseEpoch = (d: EpochDiagnostics, details: LayerDetail[]) =>
  new Diagnosis(CTX).afterEpoch({ epoch: d.epoch, layers: d.layers, details, history: [] });

beforeAll(async () => {
  await useTestBackend();
});

const N = 128;
const INPUTS = 784;

/** Standardized random inputs (mean 0, std 1 per feature) and one-hot-free sparse labels. */
function data(seed: number) {
  const x = tf.randomNormal([N, INPUTS], 0, 1, 'float32', seed);
  const y = tf.tensor2d(Array.from({ length: N }, (_, i) => [i % 10]));
  return { x, y };
}

/** Keras lecun_normal: truncated normal, stddev sqrt(1/fan_in)/0.8796 (the truncation correction). */
const lecunNormal = (fanIn: number, seed: number) => tf.initializers.truncatedNormal({ mean: 0, stddev: Math.sqrt(1 / fanIn) / 0.87962566103423978, seed });

function deepNet(activation: 'sigmoid' | 'selu', depth = 20, width = 32): tf.Sequential {
  const model = tf.sequential();
  for (let i = 0; i < depth; i++) {
    const fanIn = i === 0 ? INPUTS : width;
    model.add(
      tf.layers.dense({
        units: width,
        activation,
        inputShape: i === 0 ? [INPUTS] : undefined,
        kernelInitializer: activation === 'selu' ? lecunNormal(fanIn, 100 + i) : tf.initializers.glorotUniform({ seed: 100 + i }),
      }),
    );
  }
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function probeOneEpoch(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor) {
  const probe = new GradientProbe(model, x, y, 64);
  probe.snapshot();
  await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
  const result = await probe.measure(1, Math.ceil(N / 32));
  probe.dispose();
  return result!;
}

describe('GradientProbe + diagnoseEpoch', () => {
  const disposables: tf.TensorContainer[] = [];
  afterAll(() => tf.dispose(disposables));

  it('a 20-layer sigmoid/glorot network shows vanishing gradients on its first layer', async () => {
    const { x, y } = data(1);
    const model = deepNet('sigmoid');
    const result = await probeOneEpoch(model, x, y);
    const layers = result.diagnostics.layers;
    expect(layers).toHaveLength(21);
    expect(layers[0].gradNorm).toBeLessThan(1e-3 * layers[20].gradNorm);
    expect(layers.every((l) => l.updateRatio >= 0 && Number.isFinite(l.weightNorm))).toBe(true);
    const warnings = diagnoseEpoch(result.diagnostics, result.details);
    expect(warnings).toContainEqual(expect.objectContaining({ kind: 'vanishing_gradients', layer: model.layers[0].name, epoch: 1 }));
    expect(warnings.find((w) => w.kind === 'vanishing_gradients')!.advice).toMatch(/He initialization|BatchNormalization/);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('the same depth with selu + lecun_normal on standardized inputs self-normalizes', async () => {
    const { x, y } = data(2);
    const model = deepNet('selu');
    const result = await probeOneEpoch(model, x, y);
    const hidden = result.diagnostics.layers.slice(0, 20);
    for (const l of hidden) {
      expect(l.activationStd, l.name).toBeGreaterThan(0.5);
      expect(l.activationStd, l.name).toBeLessThan(1.5);
    }
    const warnings = diagnoseEpoch(result.diagnostics, result.details);
    expect(warnings.filter((w) => w.kind === 'vanishing_gradients' || w.kind === 'exploding_gradients')).toEqual([]);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('leaves no tensors behind and measures dead relu units after an activation layer', async () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const y = tf.tensor2d([[0], [1], [0], [1]]);
    const model = tf.sequential({
      layers: [
        // Kernel all negative, inputs positive, zero bias: every relu output is 0 -> all units dead.
        tf.layers.dense({ units: 4, inputShape: [2], kernelInitializer: tf.initializers.constant({ value: -1 }) }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const before = tf.memory().numTensors;
    const probe = new GradientProbe(model, x, y);
    probe.snapshot();
    const r = (await probe.measure(3, 1))!;
    probe.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(r.diagnostics.layers.map((l) => l.name)).toEqual([model.layers[0].name, model.layers[2].name]);
    expect(r.diagnostics.layers[0].deadFraction).toBe(1);
    expect(r.details[0].activation).toBe('relu');
    const warnings = diagnoseEpoch(r.diagnostics, r.details);
    expect(warnings).toContainEqual(expect.objectContaining({ kind: 'dead_units', layer: model.layers[0].name, epoch: 3 }));
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('Diagnosis', () => {
  it('keeps each kind+layer once, under an id stable within the job', () => {
    const layer = (name: string) => ({ name, gradNorm: 1, weightNorm: 1, updateRatio: 1e-3, activationMean: 0, activationStd: 1, deadFraction: 0.8 });
    const detail = (name: string, isOutput = false) => ({ name, trainable: true, activation: 'relu', saturatedFraction: null, isOutput });
    const diagnosis = new Diagnosis(CTX);
    const obs = (epoch: number, names: string[]) => ({
      epoch,
      layers: [...names, 'out'].map(layer),
      details: [...names.map((n) => detail(n)), detail('out', true)],
      history: [],
    });
    expect(diagnosis.afterEpoch(obs(1, ['d1'])).map((w) => [w.id, w.epoch])).toEqual([['dead_units:d1', 1]]);
    expect(diagnosis.afterEpoch(obs(2, ['d1', 'd2'])).map((w) => [w.id, w.epoch])).toEqual([['dead_units:d2', 2]]);
  });

  it('flags saturation and exploding gradients from plain numbers', () => {
    const layer = (name: string, gradNorm: number) => ({ name, gradNorm, weightNorm: 1, updateRatio: 0, activationMean: 0, activationStd: 1, deadFraction: 0 });
    const d = { epoch: 2, layers: [layer('a', 5e3), layer('b', 1)] };
    const details = [
      { name: 'a', trainable: true, activation: 'tanh', saturatedFraction: 0.9, isOutput: false },
      { name: 'b', trainable: true, activation: 'softmax', saturatedFraction: null, isOutput: true },
    ];
    const kinds = diagnoseEpoch(d, details).map((w) => `${w.kind}:${w.layer}`);
    expect(kinds).toEqual(['exploding_gradients:a', 'saturation:a']);
  });
  it('calls a loss still at chance level after two epochs not decreasing, naming the sigmoid layers', () => {
    const layer = (name: string) => ({ name, gradNorm: 0.1, weightNorm: 1, updateRatio: 1e-3, activationMean: 0.5, activationStd: 0.1, deadFraction: 0 });
    const detail = (name: string, activation: string, isOutput = false) => ({ name, trainable: true, activation, saturatedFraction: 0, isOutput });
    const obs = (losses: number[]) => ({
      epoch: losses.length,
      layers: ['s1', 's2', 'out'].map(layer),
      details: [detail('s1', 'sigmoid'), detail('s2', 'sigmoid'), detail('out', 'softmax', true)],
      history: losses.map((loss, i) => ({ epoch: i + 1, loss }) as never),
    });
    const ctx = { ...CTX, baselineLoss: Math.log(10) };
    const kinds = (losses: number[]) => new Diagnosis(ctx).afterEpoch(obs(losses)).filter((w) => w.kind === 'loss_not_decreasing');
    // One epoch at chance is not yet a verdict; a loss that left chance level is learning.
    expect(kinds([2.31])).toEqual([]);
    expect(kinds([2.31, 2.1])).toEqual([]);
    const [w] = kinds([2.31, 2.302]);
    expect(w.message).toMatch(/still at chance level.*2 sigmoid hidden layers/);
    expect(w.evidence).toMatchObject({ baselineLoss: 2.303, chanceEpochs: 2 });
    // With no baseline (mae), only the plateau counts.
    expect(new Diagnosis(CTX).afterEpoch(obs([2.31, 2.302])).filter((w) => w.kind === 'loss_not_decreasing')).toEqual([]);
  });
});
