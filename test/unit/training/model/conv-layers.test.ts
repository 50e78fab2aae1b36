import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, nameStem } from '../../../../src/training/model/build-model.js';
import { sizeLayers } from '../../../../src/training/sizing/param-estimate.js';
import { sizeTopology } from '../../../../src/training/sizing/topology-size.js';
import { serializeModel, deserializeModel } from '../../../../src/training/model/artifact.js';
import { SpatialDropout2D } from '../../../../src/training/model/layers/spatial-dropout-2d.js';
import type { LayerSpec } from '../../../../src/schemas/job-spec.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

/** The Fashion-MNIST CNN of the Keras tutorials: 225,034 parameters in Keras's model.summary(). */
const KERAS_CNN: LayerSpec[] = [
  { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] },
  { type: 'MaxPooling2D', poolSize: 2 },
  { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
  { type: 'MaxPooling2D' },
  { type: 'Flatten' },
  { type: 'Dense', units: 128, activation: 'relu' },
  { type: 'Dense', units: 10, activation: 'softmax' },
];

/** Builds the layers on `inputShape` and returns tfjs's count, the spec-only count and output shape. */
function counts(layers: LayerSpec[], inputShape: number[]) {
  const model = buildModel(layers, { inputShape, seed: 1 });
  try {
    const sized = sizeLayers(layers, inputShape);
    return { tfjs: model.countParams(), spec: sized.params, output: model.outputs[0].shape.slice(1) };
  } finally {
    model.dispose();
  }
}

describe('convolutional layers: Keras parameter counts and shapes', () => {
  it('the 225,034-parameter CNN, counted alike by tfjs and from the spec alone', () => {
    expect(counts(KERAS_CNN, [28, 28, 1])).toEqual({ tfjs: 225_034, spec: 225_034, output: [10] });
  });

  // Each figure is Keras's model.summary() for the layer on the given input.
  it.each([
    ['SeparableConv2D 64 3x3 on 32x32x16', [{ type: 'SeparableConv2D', filters: 64, kernelSize: 3 }], [32, 32, 16], 3 * 3 * 16 + 16 * 64 + 64, [30, 30, 64]],
    [
      'SeparableConv2D, depthMultiplier 2, no bias, same',
      [{ type: 'SeparableConv2D', filters: 8, kernelSize: 3, depthMultiplier: 2, useBias: false, padding: 'same' }],
      [10, 10, 4],
      3 * 3 * 4 * 2 + 4 * 2 * 8,
      [10, 10, 8],
    ],
    [
      'DepthwiseConv2D 3x3, depthMultiplier 2',
      [{ type: 'DepthwiseConv2D', kernelSize: 3, depthMultiplier: 2 }],
      [12, 12, 16],
      3 * 3 * 16 * 2 + 32,
      [10, 10, 32],
    ],
    ['Conv2D strides 2 same', [{ type: 'Conv2D', filters: 4, kernelSize: [5, 3], strides: 2, padding: 'same' }], [11, 9, 3], 5 * 3 * 3 * 4 + 4, [6, 5, 4]],
    ['Conv2D dilation 2', [{ type: 'Conv2D', filters: 2, kernelSize: 3, dilationRate: 2, useBias: false }], [9, 9, 1], 3 * 3 * 2, [5, 5, 2]],
    ['Conv1D 8 x 5', [{ type: 'Conv1D', filters: 8, kernelSize: 5 }], [20, 4], 5 * 4 * 8 + 8, [16, 8]],
    ['AveragePooling2D 3 stride 2', [{ type: 'AveragePooling2D', poolSize: 3, strides: 2 }], [9, 9, 2], 0, [4, 4, 2]],
    ['MaxPooling2D same', [{ type: 'MaxPooling2D', poolSize: [2, 2], padding: 'same' }], [5, 5, 2], 0, [3, 3, 2]],
    ['GlobalAveragePooling2D', [{ type: 'GlobalAveragePooling2D' }], [4, 4, 6], 0, [6]],
    ['GlobalMaxPooling2D', [{ type: 'GlobalMaxPooling2D' }], [4, 4, 6], 0, [6]],
    [
      'ZeroPadding2D [[1, 2], [0, 3]]',
      [
        {
          type: 'ZeroPadding2D',
          padding: [
            [1, 2],
            [0, 3],
          ],
        },
      ],
      [4, 4, 1],
      0,
      [7, 7, 1],
    ],
    ['ZeroPadding2D default', [{ type: 'ZeroPadding2D' }], [4, 5, 1], 0, [6, 7, 1]],
    ['SpatialDropout2D', [{ type: 'SpatialDropout2D', rate: 0.3 }], [4, 4, 3], 0, [4, 4, 3]],
    [
      'BatchNormalization per channel after a conv',
      [{ type: 'Conv2D', filters: 5, kernelSize: 1 }, { type: 'BatchNormalization' }],
      [3, 3, 2],
      2 * 5 + 5 + 4 * 5,
      [3, 3, 5],
    ],
  ] as Array<[string, LayerSpec[], number[], number, number[]]>)('%s', (_, layers, input, params, output) => {
    expect(counts(layers, input)).toEqual({ tfjs: params, spec: params, output });
  });

  it('an imported Keras topology is sized the same way', () => {
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { class_name: 'ZeroPadding2D', config: { padding: [1, 1], batch_input_shape: [null, 8, 8, 3] } },
          { class_name: 'SeparableConv2D', config: { filters: 6, kernel_size: [3, 3], depth_multiplier: 2, padding: 'valid' } },
          { class_name: 'DepthwiseConv2D', config: { kernel_size: [3, 3], use_bias: false } },
          { class_name: 'GlobalAveragePooling2D', config: {} },
        ],
      },
    };
    expect(sizeTopology(topology).params).toBe(3 * 3 * 3 * 2 + 3 * 2 * 6 + 6 + 3 * 3 * 6);
  });
});

describe('convolutional layers: initializers and normalization', () => {
  it('fans are kernel height x width x channels, as in Keras (he_normal: variance 2 / fan_in)', () => {
    const model = buildModel([{ type: 'Conv2D', filters: 64, kernelSize: 3, kernelInitializer: 'he_normal' }], { inputShape: [8, 8, 16], seed: 3 });
    const w = model.layers[0].getWeights()[0];
    expect(w.shape).toEqual([3, 3, 16, 64]);
    const variance = tf.tidy(() => tf.moments(w).variance.dataSync()[0]);
    // fan_in 3*3*16 = 144; over 9,216 draws the sample variance is within a few percent.
    expect(variance / (2 / 144)).toBeGreaterThan(0.93);
    expect(variance / (2 / 144)).toBeLessThan(1.07);
    model.dispose();
  });

  it('glorot_uniform uses fan_in + fan_out = taps x (channels in + filters)', () => {
    const model = buildModel([{ type: 'Conv2D', filters: 32, kernelSize: 5 }], { inputShape: [8, 8, 8], seed: 4 });
    const limit = Math.sqrt(6 / (25 * 8 + 25 * 32));
    const values = Array.from(model.layers[0].getWeights()[0].dataSync());
    const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.95 * limit);
    model.dispose();
  });

  it('BatchNormalization after a convolution normalizes each channel over batch, height and width in training', () => {
    const model = buildModel([{ type: 'BatchNormalization', momentum: 0 }], { inputShape: [4, 4, 3] });
    const moments = tf.tidy(() => {
      // Channel c has mean 10c and standard deviation c + 1.
      const x = tf.add(tf.mul(tf.randomNormal([8, 4, 4, 3], 0, 1, 'float32', 5), tf.tensor1d([1, 2, 3])), tf.tensor1d([0, 10, 20]));
      const y = model.layers[0].apply(x, { training: true }) as tf.Tensor;
      const m = tf.moments(y, [0, 1, 2]);
      return [Array.from(m.mean.dataSync()), Array.from(m.variance.dataSync())];
    });
    moments[0].forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-4));
    moments[1].forEach((v) => expect(v).toBeCloseTo(1, 2));
    // momentum 0: the moving mean is this batch's, one value per channel.
    const movingMean = Array.from(model.layers[0].getWeights()[2].dataSync());
    expect(movingMean).toHaveLength(3);
    expect(movingMean[2]).toBeGreaterThan(18);
    model.dispose();
  });
});

describe('SpatialDropout2D', () => {
  it('drops whole channels in training, scaling the kept ones; passes through at inference', () => {
    const layer = new SpatialDropout2D({ rate: 0.5, seed: 11 });
    const { trained, inferred } = tf.tidy(() => {
      const x = tf.ones([4, 3, 3, 16]);
      return { trained: (layer.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][][][], inferred: (layer.apply(x) as tf.Tensor).dataSync() };
    });
    expect(Array.from(inferred).every((v) => v === 1)).toBe(true);
    let dropped = 0;
    for (const sample of trained) {
      for (let c = 0; c < 16; c++) {
        const values = new Set(sample.flatMap((row) => row.map((px) => px[c])));
        expect(values.size).toBe(1); // the whole map alike
        const [v] = values;
        expect([0, 2]).toContain(v);
        if (v === 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(10);
    expect(dropped).toBeLessThan(54);
  });

  it('a seeded layer repeats its masks; the next batch draws a new one', () => {
    const masks = (layer: SpatialDropout2D) =>
      tf.tidy(() => [0, 1].map(() => Array.from((layer.apply(tf.ones([2, 1, 1, 32]), { training: true }) as tf.Tensor).dataSync()).join()));
    const [a1, a2] = masks(new SpatialDropout2D({ rate: 0.5, seed: 5 }));
    const [b1] = masks(new SpatialDropout2D({ rate: 0.5, seed: 5 }));
    expect(b1).toBe(a1);
    expect(a2).not.toBe(a1);
  });

  it('saves and loads with its rate and seed, and tf.loadLayersModel reads the artifact', async () => {
    const layers: LayerSpec[] = [
      { type: 'Conv2D', filters: 4, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu' },
      { type: 'SpatialDropout2D', rate: 0.25, seed: 2 },
      { type: 'GlobalAveragePooling2D' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ];
    const model = buildModel(layers, { inputShape: [6, 6, 1], seed: 1 });
    const artifact = await serializeModel(model, { featureShape: [6, 6, 1] });
    const { model: loaded } = await deserializeModel(artifact);
    const config = loaded.layers[1].getConfig();
    expect([loaded.layers[1].getClassName(), config.rate, config.seed]).toEqual(['SpatialDropout2D', 0.25, 2]);
    const x = tf.randomUniform([2, 6, 6, 1], 0, 1, 'float32', 3);
    const [a, b] = [model, loaded].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i], 6));
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });
});

describe('automatic layer names', () => {
  it("are Keras's: conv2d, max_pooling2d, separable_conv2d, p_re_lu...", () => {
    const types = [
      'Conv2D',
      'MaxPooling2D',
      'SeparableConv2D',
      'GlobalAveragePooling2D',
      'SpatialDropout2D',
      'Conv1D',
      'BatchNormalization',
      'PReLU',
      'LeakyReLU',
      'RReLU',
      'ELU',
    ];
    expect(types.map(nameStem)).toEqual([
      'conv2d',
      'max_pooling2d',
      'separable_conv2d',
      'global_average_pooling2d',
      'spatial_dropout2d',
      'conv1d',
      'batch_normalization',
      'p_re_lu',
      'leaky_re_lu',
      'r_re_lu',
      'elu',
    ]);
  });
});

describe('sizing from the spec alone', () => {
  it('counts an absurd convolution without allocating it, so the service can refuse it', () => {
    const sized = sizeLayers([{ type: 'Conv2D', filters: 16_384, kernelSize: 1024, padding: 'same' } as LayerSpec], [1024, 1024, 3]);
    expect(sized.params).toBe(1024 * 1024 * 3 * 16_384 + 16_384);
    expect(sized.activationsPerSample).toBe(1024 * 1024 * 16_384);
    expect(sized.stepValuesPerSample).toBeGreaterThan(sized.activationsPerSample);
  });
});
