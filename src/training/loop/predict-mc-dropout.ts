/**
 * Monte Carlo dropout at prediction (Gal & Ghahramani; Hands-On ML ch. 11): the mean of many
 * forward passes with dropout active estimates the output better than one pass without it, and
 * their spread is the model's uncertainty about each output.
 */
import type * as tf from '@tensorflow/tfjs';
import { invalid } from '../../core/errors.js';
import type { Preprocessing } from '../../core/run-types.js';
import { dropoutLayers, withDropoutSampling } from '../model/dropout-sampling.js';
import { checkMcDropoutWork, type McDropoutRequest } from './mc-dropout-work.js';
import type { PackedRows } from './packed-rows.js';
import { forwardPass, modelInputs, type PackedOutputs } from './predict.js';

/** The mean over the samples (as a plain prediction's outputs) and each output's standard deviation. */
export interface McDropoutOutputs {
  mean: PackedOutputs;
  std: PackedOutputs;
}

/**
 * `request.samples` forward passes of `rows` with only the dropout layers active.
 * @throws ServiceError (400 naming /mcDropout) for a model without a dropout layer, and
 *   (/mcDropout/samples) for more work than a prediction may do; otherwise as predictPacked.
 */
export function predictMcDropout(
  model: tf.LayersModel,
  rows: PackedRows,
  preprocessing: Preprocessing | undefined,
  request: McDropoutRequest,
): McDropoutOutputs {
  checkMcDropoutWork(request, rows.count);
  const layers = dropoutLayers(model);
  if (layers.length === 0) {
    const message = 'the model has no dropout layer (Dropout, AlphaDropout or SpatialDropout2D with a rate above 0): MC dropout needs one';
    throw invalid(message, [{ path: '/mcDropout', message }]);
  }
  const inputs = modelInputs(model, rows, preprocessing);
  return withDropoutSampling(layers, request.seed, () => {
    let sum = new Float64Array(0);
    let sumOfSquares = new Float64Array(0);
    let width = 0;
    for (let s = 0; s < request.samples; s++) {
      const pass = forwardPass(model, inputs);
      if (s === 0) {
        width = pass.width;
        sum = new Float64Array(pass.values.length);
        sumOfSquares = new Float64Array(pass.values.length);
      }
      for (let i = 0; i < pass.values.length; i++) {
        sum[i] += pass.values[i];
        sumOfSquares[i] += pass.values[i] * pass.values[i];
      }
    }
    const n = request.samples;
    const mean = new Float32Array(sum.length);
    const std = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) {
      const m = sum[i] / n;
      mean[i] = m;
      // The population deviation (NumPy's default, as Keras examples compute it); rounding can take the variance a hair below 0.
      std[i] = Math.sqrt(Math.max(0, sumOfSquares[i] / n - m * m));
    }
    return { mean: { values: mean, count: rows.count, width }, std: { values: std, count: rows.count, width } };
  });
}
