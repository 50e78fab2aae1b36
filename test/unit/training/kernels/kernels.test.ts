/**
 * The wasm training kernels (src/training/wasm-kernels) against tfjs's stock wasm kernels: the same
 * values on random shapes (single, batched and broadcast products, every transpose combination,
 * gathers and tiles of several ranks, reductions over leading and other axes), no tensor or heap
 * buffer left behind, and a training step whose loss and weights match the stock kernels'.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { buildModel } from '../../../../src/training/model/build-model.js';
import { installWasmTrainingKernels, uninstallWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../../../src/training/kernels/index.js';
import { transposedIsCheaper } from '../../../../src/training/kernels/mat-mul.js';
import { expectClose, intIn, seeded, withAndWithout } from './compare.js';

beforeAll(async () => {
  // WASM_THREADS=2 runs every comparison on the threaded build too.
  await initBackend('wasm', { wasmThreads: Number(process.env.WASM_THREADS ?? 1) });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('installation', () => {
  it('replaces the wasm kernels only, keeps their setup, and puts the stock ones back', () => {
    const cpuBefore = WASM_TRAINING_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'cpu'));
    const installed = WASM_TRAINING_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm'));
    uninstallWasmTrainingKernels();
    const stock = WASM_TRAINING_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm'));
    installWasmTrainingKernels();
    installWasmTrainingKernels(); // a second call changes nothing
    WASM_TRAINING_KERNELS.forEach(({ kernelName }, i) => {
      expect(installed[i].kernelFunc, kernelName).not.toBe(stock[i].kernelFunc);
      expect(installed[i].setupFunc, kernelName).toBe(stock[i].setupFunc);
      expect(tf.getKernel(kernelName, 'wasm').kernelFunc, kernelName).not.toBe(stock[i].kernelFunc);
      expect(tf.getKernel(kernelName, 'cpu'), kernelName).toBe(cpuBefore[i]);
    });
  });
});

describe('BatchMatMul and _FusedMatMul', () => {
  const rand = seeded(15);
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [];
  for (let i = 0; i < 12; i++) {
    const [m, k, n] = [intIn(rand, 1, 40), intIn(rand, 1, 70), intIn(rand, 1, 33)];
    const ta = i % 4 === 1 || i % 4 === 3;
    const tb = i % 4 >= 2;
    // Every third case is batched (several matrices), some with a broadcast batch dimension.
    const batchA = i % 3 === 0 ? [intIn(rand, 2, 3)] : [];
    const batchB = i % 3 === 0 ? (i % 2 === 0 ? [1] : batchA) : [];
    cases.push({ a: [...batchA, ...(ta ? [k, m] : [m, k])], b: [...batchB, ...(tb ? [n, k] : [k, n])], ta, tb });
  }
  cases.push({ a: [32, 784], b: [32, 300], ta: true, tb: false }, { a: [32, 300], b: [784, 300], ta: false, tb: true });
  cases.push({ a: [1, 7], b: [5, 7], ta: false, tb: true }, { a: [7, 1], b: [7, 5], ta: true, tb: false });
  // Plain products the wrapper computes transposed (a Dense layer's forward product at batch 32),
  // and the same with a batch dimension of one on either side.
  cases.push(
    { a: [32, 784], b: [784, 300], ta: false, tb: false },
    { a: [1, 8, 60], b: [60, 50], ta: false, tb: false },
    { a: [8, 60], b: [1, 60, 50], ta: false, tb: false },
  );

  it('computes the transposed product where that copies and packs fewer values', () => {
    expect(transposedIsCheaper(32, 784, 300, false, false)).toBe(true); // forward, batch 32
    expect(transposedIsCheaper(256, 784, 300, false, false)).toBe(false); // forward, batch 256
    expect(transposedIsCheaper(784, 32, 300, true, false)).toBe(false); // dW = X^T dY
    expect(transposedIsCheaper(32, 300, 784, false, true)).toBe(true); // dX = dY W^T
  });

  it('fused matMul without bias or activation (a Dense layer with useBias false) matches the stock kernel', () => {
    for (const [a, b] of [
      [
        [32, 784],
        [784, 300],
      ],
      [
        [1, 8, 60],
        [1, 60, 50],
      ],
    ]) {
      const { fast, stock } = withAndWithout(() =>
        tf.tidy(() => tf.fused.matMul({ a: tf.randomNormal(a, 0, 1, 'float32', 12), b: tf.randomNormal(b, 0, 1, 'float32', 13) })),
      );
      expectClose(fast, stock);
    }
  });

  it.each(cases)('matMul %j matches the stock kernel', ({ a, b, ta, tb }) => {
    const { fast, stock } = withAndWithout(() =>
      tf.tidy(() => tf.matMul(tf.randomNormal(a, 0, 1, 'float32', 1), tf.randomNormal(b, 0, 1, 'float32', 2), ta, tb)),
    );
    expectClose(fast, stock);
  });

  // The stock kernel's naive loop adds the bias at the wrong index (min(i * n + j, n - 1) instead of
  // j) whenever an operand is transposed, so the fused product is checked against its definition:
  // the plain product, plus the bias, through relu.
  it.each(cases.filter((c) => c.a.length === 2 && c.b.length === 2))('fused matMul with bias and relu %j equals relu(a b + bias)', ({ a, b, ta, tb }) => {
    const n = tb ? b[0] : b[1];
    const operands = () => [tf.randomNormal(a, 0, 1, 'float32', 3), tf.randomNormal(b, 0, 1, 'float32', 4), tf.randomNormal([n], 0, 1, 'float32', 5)] as const;
    const { fast } = withAndWithout(() =>
      tf.tidy(() => {
        const [ta2, tb2, bias] = operands();
        return tf.fused.matMul({ a: ta2, b: tb2, transposeA: ta, transposeB: tb, bias, activation: 'relu' });
      }),
    );
    const { stock } = withAndWithout(() =>
      tf.tidy(() => {
        const [x, w, bias] = operands();
        return tf.relu(tf.add(tf.matMul(x, w, ta, tb), bias));
      }),
    );
    expectClose(fast, stock);
  });
});

describe('GatherV2', () => {
  const rand = seeded(7);
  const cases = Array.from({ length: 8 }, (_, i) => {
    const rank = intIn(rand, 1, 4);
    const shape = Array.from({ length: rank }, () => intIn(rand, 1, 6));
    const axis = i % 2 === 0 ? 0 : intIn(rand, -rank, rank - 1);
    const dim = shape[axis < 0 ? axis + rank : axis];
    const indices = Array.from({ length: intIn(rand, 1, 9) }, () => intIn(rand, 0, dim - 1));
    return { shape, axis, indices, indexShape: i % 3 === 0 && indices.length % 2 === 0 ? [2, indices.length / 2] : [indices.length] };
  });

  it.each(cases)('gather %j matches the stock kernel', ({ shape, axis, indices, indexShape }) => {
    const { fast, stock } = withAndWithout(() =>
      tf.tidy(() => tf.gather(tf.randomNormal(shape, 0, 1, 'float32', 6), tf.tensor(indices, indexShape, 'int32'), axis)),
    );
    expect(Array.from(fast)).toEqual(Array.from(stock));
  });

  it('gathers int32 values, and refuses an index out of range without leaking', () => {
    const { fast, stock } = withAndWithout(() => tf.tidy(() => tf.gather(tf.range(0, 12, 1, 'int32').reshape([4, 3]), tf.tensor1d([3, 0, 3], 'int32'))));
    expect(Array.from(fast)).toEqual(Array.from(stock));
    const ids = tf.engine().backend.numDataIds();
    expect(() => tf.tidy(() => tf.gather(tf.zeros([4, 3]), tf.tensor1d([4], 'int32')))).toThrow(/index value 4 is not in \[0, 3\]/);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });
});

describe('Tile', () => {
  const rand = seeded(3);
  const cases = Array.from({ length: 10 }, () => {
    const rank = intIn(rand, 1, 4);
    return { shape: Array.from({ length: rank }, () => intIn(rand, 1, 5)), reps: Array.from({ length: rank }, () => intIn(rand, 1, 3)) };
  });
  cases.push({ shape: [1, 1, 1, 300], reps: [32, 1, 1, 1] }, { shape: [2, 3], reps: [1, 1] });

  it.each(cases)('tile %j matches the stock kernel', ({ shape, reps }) => {
    const { fast, stock } = withAndWithout(() => tf.tidy(() => tf.tile(tf.randomNormal(shape, 0, 1, 'float32', 8), reps)));
    expect(Array.from(fast)).toEqual(Array.from(stock));
  });

  it('tiles booleans', () => {
    const { fast, stock } = withAndWithout(() => tf.tidy(() => tf.tile(tf.tensor([true, false, true], [3, 1], 'bool'), [2, 2])));
    expect(Array.from(fast)).toEqual(Array.from(stock));
  });
});

describe('Sum and Mean', () => {
  const cases: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
    { shape: [32, 300], axis: 0, keepDims: false },
    { shape: [256, 784], axis: [0], keepDims: true },
    { shape: [4, 5, 6], axis: [1, 0], keepDims: false },
    { shape: [4, 5, 6], axis: -3, keepDims: true },
    { shape: [4, 5, 6], axis: 1, keepDims: false },
    { shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [7, 3], axis: -1, keepDims: false },
    { shape: [1, 1, 37, 30], axis: [0, 1, 2], keepDims: false },
    { shape: [6, 5], axis: 0, keepDims: false },
  ];
  it.each(cases)('sum and mean of %j match the stock kernels', ({ shape, axis, keepDims }) => {
    for (const op of [tf.sum, tf.mean]) {
      const { fast, stock, shape: outShape } = withAndWithout(() => tf.tidy(() => op(tf.randomNormal(shape, 0, 1, 'float32', 9), axis, keepDims)));
      expect(outShape.length).toBe(keepDims ? shape.length : outShape.length);
      expectClose(fast, stock);
    }
  });

  // The stock kernels leave the output of an empty reduction uninitialised (garbage on the threaded
  // build), so no rows are checked against the cpu backend's answer: zeros, for sums and means.
  it('reduces no rows to zeros, as the cpu backend does', () => {
    const sum = tf.tidy(() => tf.sum(tf.zeros([0, 3]), 0));
    const mean = tf.tidy(() => tf.mean(tf.zeros([0, 3]), 0));
    expect(Array.from(sum.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(mean.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([sum, mean]);
  });

  it("sums rows in the stock kernel's order, to the bit", () => {
    for (const rows of [1, 3, 4, 7, 256]) {
      const { fast, stock } = withAndWithout(() => tf.tidy(() => tf.sum(tf.randomNormal([rows, 50], 0, 1, 'float32', rows), 0)));
      expect(Array.from(fast)).toEqual(Array.from(stock));
    }
  });
});

describe('Identity', () => {
  it('a clone has the same values and outlives its source', () => {
    const { fast, stock } = withAndWithout(() =>
      tf.tidy(() => {
        const source = tf.randomNormal([5, 7], 0, 1, 'float32', 11);
        const copy = source.clone();
        source.dispose();
        return tf.add(copy, 1);
      }),
    );
    expect(Array.from(fast)).toEqual(Array.from(stock));
  });

  it('clones int32 and bool tensors', () => {
    for (const t of [() => tf.tensor1d([1, 2, 3], 'int32'), () => tf.tensor1d([true, false], 'bool')]) {
      const { fast, stock } = withAndWithout(() => tf.tidy(() => t().clone()));
      expect(Array.from(fast)).toEqual(Array.from(stock));
    }
  });
});

describe('a training step', () => {
  it.each(['relu', 'bn_elu'])('%s: loss and updated weights match the stock kernels', async (kind) => {
    const layers =
      kind === 'relu'
        ? [
            { type: 'Dense' as const, units: 16, activation: 'relu' as const },
            { type: 'Dense' as const, units: 4, activation: 'softmax' as const },
          ]
        : [
            { type: 'BatchNormalization' as const },
            { type: 'Dense' as const, units: 16, useBias: false },
            { type: 'BatchNormalization' as const },
            { type: 'Activation' as const, activation: 'elu' as const },
            { type: 'Dense' as const, units: 4, activation: 'softmax' as const },
          ];
    const x = tf.randomNormal([24, 9], 0, 1, 'float32', 10);
    const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 4));
    const step = async () => {
      const model = buildModel(layers, { inputShape: [9], seed: 1 });
      const optimizer = tf.train.sgd(0.1);
      model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
      const h = await model.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      optimizer.dispose();
      return { loss: h.history.loss as number[], weights };
    };
    const before = tf.memory().numTensors;
    const fast = await step();
    expect(tf.memory().numTensors).toBe(before);
    uninstallWasmTrainingKernels();
    const stock = await step().finally(installWasmTrainingKernels);
    expectClose(fast.loss, stock.loss, 1e-5);
    fast.weights.forEach((w, i) => expectClose(w, stock.weights[i], 1e-4));
    tf.dispose([x, y]);
  });
});
