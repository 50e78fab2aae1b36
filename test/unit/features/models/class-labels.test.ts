import { describe, expect, it } from 'vitest';
import { classLabels } from '../../../../src/features/models/export-model.js';

const loss = (name: string) => ({ compile: { loss: name } });

describe('classLabels (the ONNX export\'s "classes" metadata)', () => {
  it("names a built-in dataset's classes, in the order dataset.classes renumbers them", () => {
    expect(classLabels({ dataset: { builtin: 'fashion-mnist', classes: [5, 6] }, ...loss('binary_crossentropy') })).toEqual(['Sandal', 'Shirt']);
    expect(classLabels({ dataset: { builtin: 'mnist' }, ...loss('sparse_categorical_crossentropy') })).toHaveLength(10);
  });

  it('gives an uploaded dataset the labels dataset.classes kept, and nothing when it kept them all', () => {
    expect(classLabels({ dataset: { classes: [3, 1] }, ...loss('categorical_crossentropy') })).toEqual(['3', '1']);
    expect(classLabels({ dataset: {}, ...loss('sparse_categorical_crossentropy') })).toBeNull();
  });

  it('has none for a regression or an unknown job', () => {
    expect(classLabels({ dataset: { builtin: 'mnist' }, ...loss('mse') })).toBeNull();
    expect(classLabels(null)).toBeNull();
  });
});
