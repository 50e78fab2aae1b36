import { describe, expect, it } from 'vitest';
import { estimateJobMemory, optimizerSlots } from '../../../src/training/memory-estimate.js';
import { sizeLayers } from '../../../src/training/param-estimate.js';

describe('job memory estimate', () => {
  it('counts the optimizer state each optimizer keeps per weight', () => {
    expect(optimizerSlots({ type: 'sgd' })).toBe(0);
    expect(optimizerSlots({ type: 'sgd', momentum: 0.9 })).toBe(1);
    expect(optimizerSlots({ type: 'adam' })).toBe(2);
    expect(optimizerSlots({ type: 'rmsprop', momentum: 0.9, centered: true })).toBe(3);
  });

  it('adds weights x (weight, gradient, checkpoint, slots) x 4 bytes, activations x batch x 2 x 4 bytes, and the data', () => {
    const m = estimateJobMemory({ params: 1_000_000, activationsPerSample: 1_000, batchSize: 32, slots: 2, dataValues: 10_000 });
    expect(m.weights).toBe(20_000_000);
    expect(m.activations).toBe(256_000);
    expect(m.data).toBe(40_000);
    expect(m.total).toBe(20_296_000);
  });

  it("sizes the issue's 49.9M-parameter job at about 1 GB of weights and state with adam", () => {
    const { params } = sizeLayers([{ type: 'Flatten' }, { type: 'Dense', units: 63_600 }, { type: 'Dense', units: 10 }], [28, 28]);
    expect(params).toBeGreaterThan(49_900_000);
    expect(estimateJobMemory({ params, activationsPerSample: 0, batchSize: 1, slots: 2, dataValues: 0 }).total).toBeGreaterThan(990_000_000);
  });
});
