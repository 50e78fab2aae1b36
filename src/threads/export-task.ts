/**
 * The `exportOnnx` task of a model thread: loads a stored model with TensorFlow.js and writes its
 * ONNX file, off the API's event loop. The file goes back moved, not copied.
 */
import { deserializeModel } from '../training/model/artifact.js';
import { exportOnnx, type ExportMetadata } from '../training/export/onnx/convert.js';
import { Moved } from './result.js';

export interface ExportInput {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  meta: ExportMetadata;
}

export async function exportTask({ modelJson, weights, meta }: ExportInput): Promise<Moved<Uint8Array>> {
  const { model } = await deserializeModel({ modelJson, weights });
  try {
    const bytes = exportOnnx(model, meta);
    // A fresh buffer of exactly the file, so moving it moves nothing else.
    const file = new Uint8Array(bytes);
    return new Moved(file, [file.buffer]);
  } finally {
    model.dispose();
  }
}
