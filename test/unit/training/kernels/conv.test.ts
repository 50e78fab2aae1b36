/**
 * The convolution and pooling gradients on the wasm backend (src/training/kernels/conv2d-grad.ts,
 * depthwise-grad.ts, max-pool-grad.ts) against tfjs's cpu backend: random shapes, strides,
 * paddings (same, valid, explicit), dilations where tfjs's kernels take them, batch sizes and
 * channel counts; gradients through `tf.grad`; nothing left behind on the wasm side; and a small
 * convolutional network trained with `model.fit` on both backends to the same weights.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { installWasmTrainingKernels, uninstallWasmTrainingKernels, WASM_ADDED_KERNELS } from '../../../../src/training/kernels/index.js';
import { expectClose, intIn, seeded } from './compare.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: Number(process.env.WASM_THREADS ?? 1) });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Values in [-1, 1) from a seed, so a failing case can be rerun. */
function values(shape: number[], seed: number): Float32Array {
  const rand = seeded(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
}

/**
 * Runs `f` on wasm (checking that it leaves no tensor and no heap buffer behind) and `onCpu` (the
 * same by default) on cpu, and compares every output.
 */
async function expectSameOnCpu(f: () => tf.Tensor[], onCpu = f, tolerance = 1e-5): Promise<void> {
  await tf.setBackend('wasm');
  // A first run moves inputs last read on cpu back to wasm (a new buffer each), so count after it.
  tf.dispose(f());
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const fromWasm = f();
  const wasm = fromWasm.map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
  tf.dispose(fromWasm);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  await tf.setBackend('cpu');
  try {
    const fromCpu = onCpu();
    fromCpu.forEach((t, i) => {
      expect(wasm[i].shape).toEqual(t.shape);
      expectClose(wasm[i].data, t.dataSync(), tolerance);
    });
    tf.dispose(fromCpu);
  } finally {
    await tf.setBackend('wasm');
  }
}

/** d(sum(op(x, w) * dy))/d(x, w): both gradients of a convolution, for a fixed upstream gradient. */
function bothGradients(op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D, dySeed: number): tf.Tensor[] {
  const shape = tf.tidy(() => op(x, w).shape);
  return tf.tidy(() => {
    const dy = tf.tensor(values(shape, dySeed), shape);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      op(a as tf.Tensor4D, b as tf.Tensor4D)
        .mul(dy)
        .sum(),
    )([x, w]);
  });
}

interface ConvCase {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  filter: [number, number];
  stride: number;
  pad: Pad;
}

/** A random convolution whose output is not empty; channel counts up to 9 reach the copies' bulk path (3 x 6 values and more). */
function randomCase(rand: () => number, outChannelsMax = 6): ConvCase {
  const filter: [number, number] = [intIn(rand, 1, 4), intIn(rand, 1, 4)];
  const size: [number, number] = [intIn(rand, filter[0], 9), intIn(rand, filter[1], 9)];
  const pads: Pad[] = [
    'same',
    'valid',
    [
      [0, 0],
      [intIn(rand, 0, 2), intIn(rand, 0, 2)],
      [intIn(rand, 0, 2), intIn(rand, 0, 2)],
      [0, 0],
    ],
  ];
  return {
    batch: intIn(rand, 1, 3),
    size,
    inChannels: intIn(rand, 1, 9),
    outChannels: intIn(rand, 1, outChannelsMax),
    filter,
    stride: intIn(rand, 1, 3),
    pad: pads[intIn(rand, 0, 2)],
  };
}

function convInputs(c: ConvCase, filterOut: number, seed: number): { x: tf.Tensor4D; w: tf.Tensor4D } {
  const xShape = [c.batch, ...c.size, c.inChannels];
  const wShape = [...c.filter, c.inChannels, filterOut];
  return {
    x: tf.tensor4d(values(xShape, seed), xShape as [number, number, number, number]),
    w: tf.tensor4d(values(wShape, seed + 1), wShape as [number, number, number, number]),
  };
}

describe('installation', () => {
  it('registers the missing convolution gradients on wasm only, and takes them away again', () => {
    uninstallWasmTrainingKernels();
    for (const { kernelName } of WASM_ADDED_KERNELS) expect(tf.getKernel(kernelName, 'wasm'), kernelName).toBeUndefined();
    installWasmTrainingKernels();
    installWasmTrainingKernels();
    for (const { kernelName } of WASM_ADDED_KERNELS) {
      expect(tf.getKernel(kernelName, 'wasm'), kernelName).toBeDefined();
      expect(tf.getKernel(kernelName, 'cpu').kernelFunc, kernelName).not.toBe(tf.getKernel(kernelName, 'wasm').kernelFunc);
    }
  });
});

describe('Conv2D gradients (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
  const rand = seeded(24);
  const cases = Array.from({ length: 14 }, () => randomCase(rand));
  // Stride 1 with an explicit padding larger than the filter: the input's gradient cannot be a
  // forward convolution there (its padding would be negative) and goes through col2im.
  cases.push({
    batch: 2,
    size: [5, 6],
    inChannels: 3,
    outChannels: 2,
    filter: [2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [3, 0],
      [0, 2],
      [0, 0],
    ],
  });
  // The two layers of the benchmark's network, at a small batch.
  cases.push({ batch: 2, size: [28, 28], inChannels: 1, outChannels: 32, filter: [3, 3], stride: 1, pad: 'valid' });
  cases.push({ batch: 2, size: [13, 13], inChannels: 32, outChannels: 64, filter: [3, 3], stride: 1, pad: 'valid' });

  it.each(cases.map((c, i) => [i, c] as const))('case %i matches the cpu backend', async (i, c) => {
    const { x, w } = convInputs(c, c.outChannels, 100 + i);
    await expectSameOnCpu(() => bothGradients((a, b) => tf.conv2d(a, b, c.stride, c.pad), x, w, 200 + i));
    tf.dispose([x, w]);
  });

  it('the fused convolution (bias and ReLU, as tf.layers builds Conv2D) has the same gradients', async () => {
    const c = randomCase(seeded(7));
    const { x, w } = convInputs({ ...c, stride: 2, pad: 'same' }, c.outChannels, 300);
    const bias = tf.tensor1d(values([c.outChannels], 301));
    await expectSameOnCpu(() =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          tf.fused
            .conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 2, pad: 'same', bias: d, activation: 'relu' })
            .square()
            .sum(),
        )([x, w, bias]),
      ),
    );
    tf.dispose([x, w, bias]);
  });

  it('holds for any small convolution (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), async (seed) => {
        const c = randomCase(seeded(seed));
        const { x, w } = convInputs(c, c.outChannels, seed);
        await expectSameOnCpu(() => bothGradients((a, b) => tf.conv2d(a, b, c.stride, c.pad), x, w, seed + 2));
        tf.dispose([x, w]);
      }),
      { numRuns: 15, seed: 24 },
    );
  });
});

describe('depthwise convolution gradients (DepthwiseConv2dNativeBackpropFilter and Input)', () => {
  const rand = seeded(25);
  const cases = Array.from({ length: 10 }, () => ({ ...randomCase(rand, 3), stride: 0 }));
  it.each(cases.map((c, i) => [i, c] as const))('case %i matches the cpu backend', async (i, c) => {
    // tfjs's depthwise convolution takes equal strides only, and explicit paddings not at all.
    const stride = 1 + (i % 3);
    const pad = typeof c.pad === 'string' ? c.pad : 'same';
    const { x, w } = convInputs(c, c.outChannels, 400 + i);
    await expectSameOnCpu(() => bothGradients((a, b) => tf.depthwiseConv2d(a, b, stride, pad), x, w, 500 + i));
    tf.dispose([x, w]);
  });

  /** The filter with dilation made explicit: (dh - 1) zero rows and (dw - 1) zero columns between its taps. */
  function dilatedFilter(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
    const [fh, fw, ci, m] = w.shape;
    const out = tf.buffer([(fh - 1) * dh + 1, (fw - 1) * dw + 1, ci, m]);
    const v = w.arraySync();
    for (let y = 0; y < fh; y++)
      for (let x = 0; x < fw; x++) for (let c = 0; c < ci; c++) for (let k = 0; k < m; k++) out.set(v[y][x][c][k], y * dh, x * dw, c, k);
    return out.toTensor() as tf.Tensor4D;
  }

  it('takes dilations: the gradients of the same convolution with the dilation spelled out as zeros in the filter', async () => {
    // tfjs refuses dilated gradients in tf.grad, and its cpu kernels ignore dilations, so the
    // kernels are called directly and checked against the undilated computation on cpu.
    const dilations: [number, number] = [2, 3];
    const x = tf.tensor4d(values([2, 9, 10, 3], 600), [2, 9, 10, 3]);
    const w = tf.tensor4d(values([2, 3, 3, 2], 601), [2, 3, 3, 2]);
    const wide = dilatedFilter(w, dilations);
    for (const [pad, stride] of [
      ['same', 1],
      ['valid', 1],
      ['same', 2],
    ] as const) {
      const dy = tf.tidy(() =>
        tf
          .depthwiseConv2d(x, wide, stride, pad)
          .mul(0)
          .add(values([1], stride)[0])
          .add(tf.range(0, 1, 1 / 7).slice(0, 1)),
      );
      const kernels = (filter: tf.Tensor4D, d: number | [number, number]) => {
        const attrs = { strides: stride, dilations: d, pad };
        return [
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape }) as tf.Tensor,
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
        ];
      };
      await expectSameOnCpu(
        () => kernels(w, dilations),
        () => {
          const [dWide, dx] = kernels(wide, 1);
          const dw = tf.stridedSlice(dWide, [0, 0, 0, 0], dWide.shape, [...dilations, 1, 1]);
          dWide.dispose();
          return [dw, dx];
        },
      );
      dy.dispose();
    }
    tf.dispose([x, w, wide]);
  });
});

describe('forward convolutions with same padding', () => {
  it('match the cpu backend for filters one tap wide or high at strides above 1 (the stock kernels gave zeros)', async () => {
    const x = tf.tensor4d(values([2, 7, 8, 3], 900), [2, 7, 8, 3]);
    for (const [fh, fw] of [
      [1, 3],
      [3, 1],
      [2, 1],
      [1, 2],
    ]) {
      const w = tf.tensor4d(values([fh, fw, 3, 2], 901), [fh, fw, 3, 2]);
      const bias = tf.tensor1d([0.1, -0.2]);
      const perChannel = tf.tensor1d([0.1, -0.2, 0.3, 0, -0.1, 0.2]);
      await expectSameOnCpu(() => [
        tf.conv2d(x, w, [2, 3], 'same'),
        tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias, activation: 'relu' }),
        tf.depthwiseConv2d(x, w, 3, 'same'),
        tf.fused.depthwiseConv2d({ x, filter: w, strides: 2, pad: 'same', bias: perChannel, activation: 'relu' }),
      ]);
      tf.dispose([w, bias, perChannel]);
    }
    x.dispose();
  });
});

describe('MaxPoolGrad (and the stock AvgPoolGrad)', () => {
  const rand = seeded(26);
  const cases = Array.from({ length: 10 }, (_, i) => ({
    shape: [intIn(rand, 1, 3), intIn(rand, 3, 9), intIn(rand, 3, 9), intIn(rand, 1, 9)] as [number, number, number, number],
    size: intIn(rand, 1, 3),
    stride: intIn(rand, 1, 3),
    pad: i % 2 === 0 ? ('same' as const) : ('valid' as const),
  }));
  it.each(cases.map((c, i) => [i, c] as const))('case %i matches the cpu backend, ties (ReLU zeros) included', async (i, c) => {
    const x = tf.tidy(() => tf.relu(tf.tensor(values(c.shape, 700 + i), c.shape)) as tf.Tensor4D);
    await expectSameOnCpu(() =>
      tf.tidy(() => [
        tf.grad((a: tf.Tensor) =>
          tf
            .maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad)
            .square()
            .sum(),
        )(x),
        // The stock AvgPoolGrad, which the service keeps: the same cases, for AveragePooling2D.
        tf.grad((a: tf.Tensor) =>
          tf
            .avgPool(a as tf.Tensor4D, c.size, c.stride, c.pad)
            .square()
            .sum(),
        )(x),
      ]),
    );
    x.dispose();
  });
});

describe('a convolutional network', () => {
  /** Conv2D, MaxPooling2D, SeparableConv2D (depthwise + pointwise), DepthwiseConv2D, Dense: every kernel added here, seeded weights. */
  function smallCnn(): tf.LayersModel {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2], kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.separableConv2d({ filters: 5, kernelSize: 2, padding: 'same', depthwiseInitializer: init(2), pointwiseInitializer: init(3) }),
        tf.layers.depthwiseConv2d({ kernelSize: 2, strides: 2, depthMultiplier: 2, depthwiseInitializer: init(4) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    return model;
  }

  it('trains with model.fit on wasm to the weights the cpu backend reaches, leaving nothing behind', async () => {
    const train = async () => {
      const model = smallCnn();
      const x = tf.tensor4d(values([16, 10, 10, 2], 800), [16, 10, 10, 2]);
      const y = tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 3),
        'float32',
      );
      const history = await model.fit(x, y, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((t) => t.dataSync().slice());
      tf.dispose([x, y]);
      model.optimizer.dispose();
      model.dispose();
      return { loss: history.history.loss as number[], weights };
    };
    await tf.setBackend('wasm');
    const tensors = tf.memory().numTensors;
    const wasm = await train();
    expect(tf.memory().numTensors).toBe(tensors);
    await tf.setBackend('cpu');
    const cpu = await train();
    await tf.setBackend('wasm');
    expect(wasm.loss[1]).toBeLessThan(wasm.loss[0]);
    wasm.loss.forEach((l, i) => expect(l).toBeCloseTo(cpu.loss[i], 4));
    wasm.weights.forEach((w, i) => expectClose(w, cpu.weights[i], 1e-4));
  });
});
