import * as tf from '@tensorflow/tfjs';
import { SpecError, type Preprocessing } from './types.js';

/** Flattens nested rows into one Float32Array, checking each row against the expected sample shape. */
export function flattenInputs(inputs: unknown[], sampleShape: number[], path = '/inputs'): Float32Array {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(inputs.length * size);
  const problems: { path: string; message: string }[] = [];
  inputs.forEach((row, i) => {
    const flat = (row as unknown[]).flat(sampleShape.length) as unknown[];
    const shapeOk = sampleShape.length === 1 ? !(row as unknown[]).some(Array.isArray) : (row as unknown[]).length === sampleShape[0];
    if (!shapeOk || flat.length !== size) {
      problems.push({ path: `${path}/${i}`, message: `expected a sample of shape [${sampleShape}] (${size} numbers)` });
      return;
    }
    for (let j = 0; j < size; j++) {
      const v = flat[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        problems.push({ path: `${path}/${i}`, message: 'every value must be a finite number' });
        return;
      }
      out[i * size + j] = v;
    }
  });
  if (problems.length > 0) throw new SpecError(`inputs do not fit the model: ${problems[0].path}: ${problems[0].message}`, problems.slice(0, 10));
  return out;
}

/**
 * Runs a model on raw rows: applies the preprocessing saved at training time (standardization),
 * then predicts. Returns one output row per input row.
 */
export function predictRows(model: tf.LayersModel, inputs: unknown[], preprocessing?: Preprocessing): number[][] {
  const inputShape = (model.inputs[0].shape.slice(1) as number[]).map((d) => d ?? 1);
  const flat = flattenInputs(inputs, preprocessing?.featureShape ?? inputShape);
  if (preprocessing?.standardize) {
    const { mean, std } = preprocessing.standardize;
    const size = mean.length;
    for (let i = 0; i < flat.length; i++) flat[i] = (flat[i] - mean[i % size]) / std[i % size];
  }
  return tf.tidy(() => {
    const x = tf.tensor(flat, [inputs.length, ...inputShape]);
    const y = model.predict(x) as tf.Tensor;
    const rows = y.reshape([inputs.length, -1]).arraySync() as number[][];
    return rows;
  });
}
