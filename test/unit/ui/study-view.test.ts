import { describe, expect, it } from 'vitest';
import { availableMetrics, initialMetric, intervalDomain, parallelLayout } from '../../../ui/src/lib/study-view.js';

// The study page's pure parts, without a browser.

describe('study curves metric', () => {
  it('opens on a metric the trials have: loss, not val_loss, without a validation split', () => {
    const noValidation = [{ epochs: [{ loss: 1.2, accuracy: 0.5, val_loss: null, val_accuracy: null }] }];
    expect(availableMetrics(noValidation)).toEqual(['loss', 'accuracy']);
    expect(initialMetric('loss', availableMetrics(noValidation))).toBe('loss');
    // A study that ranks by val_loss but whose trials have none yet still opens on something drawn.
    expect(initialMetric('val_loss', ['loss'])).toBe('loss');
    expect(initialMetric('val_accuracy', ['val_loss', 'val_accuracy', 'loss', 'accuracy'])).toBe('val_accuracy');
    expect(initialMetric('val_loss', [])).toBe('loss');
  });
});

describe('ranking error bars', () => {
  it('share one scale over every mean and interval end, padded', () => {
    const [lo, hi] = intervalDomain([{ mean: 0.3, ci95: [0.2, 0.4] }, { mean: 0.5, ci95: null }, { mean: null }])!;
    expect(lo).toBeCloseTo(0.185, 12);
    expect(hi).toBeCloseTo(0.515, 12);
    expect(intervalDomain([{ mean: null }])).toBeNull();
    expect(intervalDomain([{ mean: 2, ci95: null }])).toEqual([1.9, 2.1]);
  });
});

describe('parallel coordinates', () => {
  const trials = [
    { parameters: { '/model/layers/1/activation': 'relu', '/compile/optimizer/learningRate': 0.001 }, value: 0.5 },
    { parameters: { '/model/layers/1/activation': 'tanh', '/compile/optimizer/learningRate': 0.1 }, value: 0.3 },
    { parameters: { '/model/layers/1/activation': 'relu', '/compile/optimizer/learningRate': 0.01 }, value: 0.9 },
    { parameters: { '/model/layers/1/activation': 'tanh', '/compile/optimizer/learningRate': 0.1 }, value: null },
  ];

  it('one axis per parameter and one for the metric; one line per trial with a value, best first', () => {
    const { axes, lines } = parallelLayout(trials, 'val_loss', 'min', 300, 200, 20);
    expect(axes.map((a) => a.label)).toEqual(['1/activation', 'optimizer/learningRate', 'val_loss']);
    expect(axes.map((a) => a.x)).toEqual([20, 150, 280]);
    expect(lines.map((l) => l.value)).toEqual([0.3, 0.5, 0.9]);
    expect(lines.map((l) => l.rank)).toEqual([0, 0.5, 1]);
    // min: the best value at the top (small y), the worst at the bottom.
    expect(lines[0].points[2][1]).toBe(20);
    expect(lines[2].points[2][1]).toBe(180);
    // Categories evenly in first-seen order; a learning rate spanning 100x on a log axis.
    expect(axes[0].ticks.map((t) => [t.label, t.y])).toEqual([
      ['relu', 180],
      ['tanh', 20],
    ]);
    expect(axes[1].ticks.map((t) => [t.label, t.y])).toEqual([
      ['0.001', 180],
      ['0.01', 100],
      ['0.1', 20],
    ]);
    expect(lines[1].points[1]).toEqual([150, 180]);
  });

  it('max puts the highest value on top; a metric that never varied sits mid-axis', () => {
    const { lines } = parallelLayout(trials, 'val_accuracy', 'max', 300, 200, 20);
    expect(lines[0].value).toBe(0.9);
    expect(lines[0].points[2][1]).toBe(20);
    const flat = parallelLayout([{ parameters: { a: 1 }, value: 2 }], 'loss', 'min', 300, 200, 20);
    expect(flat.lines[0].points).toEqual([
      [20, 100],
      [280, 100],
    ]);
  });
});
