/**
 * How much work an MC dropout prediction may ask for. Every sample is a forward pass over every
 * input row, so a request runs samples x inputs rows: held to the rows a plain prediction may
 * run, a request cannot keep a model thread busy for minutes. No tfjs here: the data thread that
 * parses the body checks it before any model is loaded.
 */
import { invalid } from '../../core/errors.js';
import { MAX_PREDICT_ROWS } from '../../schemas/model.js';

/** A prediction's MC dropout request (PredictBody's `mcDropout`). */
export interface McDropoutRequest {
  samples: number;
  seed?: number;
}

/** Refuses (400 naming /mcDropout/samples) samples x inputs beyond the rows one prediction may run. */
export function checkMcDropoutWork({ samples }: McDropoutRequest, inputs: number): void {
  const rows = samples * inputs;
  if (rows <= MAX_PREDICT_ROWS) return;
  const message = `${samples} samples x ${inputs} inputs is ${rows} forward-pass rows, over the ${MAX_PREDICT_ROWS} one prediction may run; send fewer samples or fewer inputs per request`;
  throw invalid(message, [{ path: '/mcDropout/samples', message }]);
}
