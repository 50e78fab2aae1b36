/**
 * A job's data as training takes it: the validation split and standardization (with the
 * preprocessing a model keeps for prediction), the target tensors for each task and loss, and
 * balanced class weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Dataset } from '../../data/types.js';
import { splitValidation } from '../../data/split.js';
import { fitStandardizer, standardizeDataset } from '../../data/standardize.js';
import type { ModelArtifact, Preprocessing } from '../../core/run-types.js';
import { SpecError } from '../../core/problems.js';
import { channelShape } from '../model/shapes.js';

/** The datasets a job trains, validates and is evaluated on. */
export interface JobData {
  train: Dataset;
  validation?: Dataset;
  evaluate?: Dataset;
}

/** The datasets after validation split and standardization, and the preprocessing to save. */
export function prepareData(spec: JobSpec, data: JobData, inherited?: Preprocessing['standardize'], baseInputShape?: ReadonlyArray<number | null>) {
  // Grey images are read with a channel axis when the model's input has one (see channelShape).
  const featureShape = channelShape(data.train.featureShape, baseInputShape ?? spec.model.layers[0]?.inputShape);
  const shaped = (ds: Dataset | undefined) => (ds && ds.featureShape.length < featureShape.length ? { ...ds, featureShape } : ds);
  let train = shaped(data.train)!;
  let validation = shaped(data.validation);
  let evaluate = shaped(data.evaluate);
  // Keras's validation_split: the last fraction of the samples, before any shuffling.
  if (!validation && spec.validation?.split != null) ({ train, validation } = splitValidation(train, spec.validation.split));
  const preprocessing: Preprocessing = { featureShape: [...train.featureShape] };
  // Reused layers expect inputs scaled as their base model saw them, so a base's statistics win
  // over new ones; else statistics from the training part only, so validation and evaluation
  // stay unseen data.
  const stats = inherited ?? (spec.dataset.standardize ? fitStandardizer(train) : undefined);
  if (stats) {
    train = standardizeDataset(train, stats);
    if (validation) validation = standardizeDataset(validation, stats);
    if (evaluate) evaluate = standardizeDataset(evaluate, stats);
    preprocessing.standardize = stats;
  }
  return { train, validation, evaluate, preprocessing };
}

/**
 * The sample shape a base model takes: the feature shape it was trained on, else the first
 * `batch_input_shape` of its topology (an imported model).
 */
export function baseInputShape(base: ModelArtifact | undefined): Array<number | null> | undefined {
  if (!base) return undefined;
  const meta = base.modelJson.userDefinedMetadata as { preprocessing?: Preprocessing } | undefined;
  if (meta?.preprocessing?.featureShape) return meta.preprocessing.featureShape;
  type Topology = { model_config?: { config?: unknown }; config?: unknown };
  const topology = (base.modelJson.modelTopology ?? {}) as Topology;
  const config = (topology.model_config?.config ?? topology.config ?? {}) as { layers?: unknown[] } | unknown[];
  const layers = (Array.isArray(config) ? config : (config.layers ?? [])) as Array<{ config?: { batch_input_shape?: unknown } }>;
  const shape = layers.find((l) => Array.isArray(l?.config?.batch_input_shape))?.config?.batch_input_shape as Array<number | null> | undefined;
  return shape?.slice(1);
}

/** The standardization a base model was trained with, if any (saved in its model.json). */
export function baseStandardization(base: ModelArtifact | undefined): Preprocessing['standardize'] {
  const meta = base?.modelJson.userDefinedMetadata as { preprocessing?: Preprocessing } | undefined;
  return meta?.preprocessing?.standardize;
}

/**
 * The targets for a dataset: the inputs for an autoencoder; for classification, float class
 * indices [n, 1] (sparse categorical and binary crossentropy), or one-hot rows (categorical
 * crossentropy, and mse/mae on a multi-unit output).
 */
export function labelTensor(spec: JobSpec, ds: Dataset, x: tf.Tensor, outputShape: number[], path: string): tf.Tensor {
  const outputSize = outputShape.reduce((a, b) => a * b, 1);
  if (spec.task === 'autoencoder') {
    if (outputSize !== x.size / Math.max(1, ds.samples)) {
      throw new SpecError(`An autoencoder's output must have as many values as its input (${x.size / Math.max(1, ds.samples)}), not ${outputSize}`, [
        { path: '/model/layers', message: 'output size differs from the input size' },
      ]);
    }
    return tf.reshape(x, [ds.samples, ...outputShape]);
  }
  if (!ds.labels) throw new SpecError('The dataset has no labels', [{ path, message: 'a classification dataset needs labels' }]);
  const labels = ds.labels;
  const units = outputShape[outputShape.length - 1];
  const loss = spec.compile.loss;
  const oneHot = loss === 'categorical_crossentropy' || (loss !== 'sparse_categorical_crossentropy' && loss !== 'binary_crossentropy' && units > 1);
  const limit = units === 1 ? 2 : units;
  const tooBig = labels.find((l) => l >= limit || l < 0);
  if (tooBig !== undefined) {
    throw new SpecError(`Label ${tooBig} does not fit the output layer's ${units} unit(s)`, [
      // A reduce, not Math.max(...labels): spreading ~200k labels overflows the call stack.
      { path: '/model/layers', message: `the output layer needs ${labels.reduce((max, l) => (l > max ? l : max), 0) + 1} units for these labels` },
    ]);
  }
  if (oneHot) return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), units), 'float32'));
  return tf.tensor2d(Float32Array.from(labels), [ds.samples, 1]);
}

/** Keras/scikit-learn "balanced" class weights: n_samples / (n_classes * count), for the classes present. */
export function balancedClassWeights(ds: Dataset): Record<number, number> | undefined {
  if (!ds.labels) return undefined;
  const counts = new Map<number, number>();
  for (const label of ds.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const weights: Record<number, number> = {};
  for (const [label, count] of counts) weights[label] = ds.samples / (counts.size * count);
  return weights;
}
