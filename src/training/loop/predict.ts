import * as tf from '@tensorflow/tfjs';
import { ServiceError, invalid } from '../../core/errors.js';
import { flattenPacked, packRows, type PackedRows } from './packed-rows.js';
import type { Preprocessing } from '../../core/run-types.js';

/** Flattens nested rows into one Float32Array, checking each row against the expected sample shape. */
export function flattenInputs(inputs: unknown[], sampleShape: number[], path = '/inputs'): Float32Array {
  return flattenPacked(packRows(inputs), sampleShape, path);
}

const fmtShape = (shape: ReadonlyArray<number | null>) => `[${shape.map((d) => (d === null ? 'None' : d)).join(', ')}]`;

/**
 * Why a model cannot be served by /predict, or undefined when it can: /predict feeds one tensor
 * and reads one back.
 */
export function unservableReason(model: tf.LayersModel): string | undefined {
  if (model.inputs.length !== 1) return `this model has ${model.inputs.length} inputs; /predict serves single-input, single-output models`;
  if (model.outputs.length !== 1) return `this model has ${model.outputs.length} outputs; /predict serves single-input, single-output models`;
  return undefined;
}

/**
 * The sample shape the model is fed: its input shape without the batch dimension. A dimension
 * left open (`null`) is taken from the preprocessing's `featureShape` (the training data's); when
 * there is none to fill it, the model cannot be fed and the answer is a 400.
 */
export function modelSampleShape(model: tf.LayersModel, preprocessing?: Preprocessing): number[] {
  const shape = model.inputs[0].shape.slice(1);
  if (shape.every((d): d is number => d !== null)) return shape;
  const feature = preprocessing?.featureShape;
  if (feature && feature.length === shape.length && shape.every((d, i) => d === null || d === feature[i])) return [...feature];
  throw invalid(`the model's input shape ${fmtShape(shape)} has open dimensions and no saved feature shape to fill them; /predict needs a fixed sample shape`, [
    { path: '/inputs', message: `the model takes samples of shape ${fmtShape(shape)}, which /predict cannot size` },
  ]);
}

/** A prediction's outputs: one row of `width` numbers per input row, in one Float32Array. */
export interface PackedOutputs {
  values: Float32Array;
  count: number;
  width: number;
}

/**
 * Runs a model on rows (as parsed, or packed by a data thread): applies the preprocessing saved
 * at training time (standardization), then predicts. Returns one output row per input row.
 * @throws ServiceError (400) for a model that is not single-input, single-output, or whose input
 *   shape cannot be fixed; SpecError (400) for inputs that do not fit; ServiceError (422) for an
 *   output that is not finite.
 */
export function predictRows(model: tf.LayersModel, given: unknown[] | PackedRows, preprocessing?: Preprocessing): number[][] {
  return outputRows(predictPacked(model, Array.isArray(given) ? packRows(given) : given, preprocessing));
}

/** predictRows, its outputs kept packed (a model thread's `predictTask` sends them back as JSON). */
export function predictPacked(model: tf.LayersModel, inputs: PackedRows, preprocessing?: Preprocessing): PackedOutputs {
  return forwardPass(model, modelInputs(model, inputs, preprocessing));
}

/** What the model is fed: every row's numbers, standardized, and the input tensor's shape. */
export interface ModelInputs {
  values: Float32Array;
  count: number;
  shape: number[];
}

/**
 * The rows checked against the model and standardized as at training time, ready for any number
 * of forward passes (the values may be the packed rows' own, standardized in place).
 */
export function modelInputs(model: tf.LayersModel, inputs: PackedRows, preprocessing?: Preprocessing): ModelInputs {
  const reason = unservableReason(model);
  if (reason) throw invalid(reason, [{ path: '', message: reason }]);
  const inputShape = modelSampleShape(model, preprocessing);
  const sampleShape = preprocessing?.featureShape ?? inputShape;
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  if (count(sampleShape) !== count(inputShape)) {
    throw invalid(`the model takes samples of shape ${fmtShape(inputShape)}, its saved feature shape is ${fmtShape(sampleShape)}`, [
      { path: '/inputs', message: `the model's input ${fmtShape(inputShape)} does not hold samples of shape ${fmtShape(sampleShape)}` },
    ]);
  }
  const flat = flattenPacked(inputs, sampleShape);
  if (preprocessing?.standardize) {
    const { mean, std } = preprocessing.standardize;
    const size = mean.length;
    for (let i = 0; i < flat.length; i++) flat[i] = (flat[i] - mean[i % size]) / std[i % size];
  }
  return { values: flat, count: inputs.count, shape: [inputs.count, ...inputShape] };
}

/** One forward pass (`model.predict`, inference mode) over prepared inputs; a 422 for an output that is not finite. */
export function forwardPass(model: tf.LayersModel, inputs: ModelInputs): PackedOutputs {
  const values = tf.tidy(() => {
    const x = tf.tensor(inputs.values, inputs.shape);
    const y = model.predict(x);
    if (Array.isArray(y)) {
      const message = `this model has ${y.length} outputs; /predict serves single-input, single-output models`;
      throw invalid(message, [{ path: '', message }]);
    }
    // A copy: the backend's own memory goes with the tensor at the end of tidy.
    return new Float32Array((y as tf.Tensor).dataSync());
  });
  const width = values.length / inputs.count;
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    // JSON has no NaN or Infinity: a model with broken weights, or inputs it overflows on.
    const row = Math.floor(bad / width);
    const message = `the model's output for input ${row} is not a finite number (NaN or Infinity): its weights are not finite or the input overflows it`;
    throw new ServiceError('non_finite_output', message, [{ path: `/inputs/${row}`, message }]);
  }
  return { values, count: inputs.count, width };
}

/** The outputs as one number[] per input row. */
export function outputRows({ values, count, width }: PackedOutputs): number[][] {
  const rows: number[][] = new Array(count);
  for (let i = 0; i < count; i++) rows[i] = Array.from(values.subarray(i * width, (i + 1) * width));
  return rows;
}
