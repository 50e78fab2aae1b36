import { describe, expect, it } from 'vitest';
import { defaultMetric, metricNote } from '../../../src/studies/metric.js';

describe('which metric a study ranks by, and why', () => {
  it('val_loss with validation data, loss without, and says so', () => {
    expect(defaultMetric({ validation: { split: 0.2 } })).toBe('val_loss');
    expect(defaultMetric({})).toBe('loss');
    expect(metricNote('loss', {})).toBe('ranked by loss: the base spec has no validation data (add validation to the base spec to rank by val_loss)');
    expect(metricNote('val_loss', {})).toBe('ranked by val_loss: the base spec holds out validation data');
    expect(metricNote('accuracy', { metric: 'accuracy' })).toBe('ranked by accuracy, as the study asked');
    expect(metricNote('val_accuracy', { preset: 'chapter-11' })).toBe("ranked by val_accuracy, the preset's metric");
  });
});
