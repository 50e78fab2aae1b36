/**
 * A POST /models import body of one Dense layer, `inputs` -> `units`, with every weight given (a
 * repeating pattern of values in [-0.5, 0.5)), and those weights' bytes, to compare with what the
 * service stores and serves.
 */
export function denseImport(inputs: number, units: number): { payload: { modelJson: object; weights: string }; bytes: Buffer } {
  const values = new Float32Array(inputs * units + units);
  for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const bytes = Buffer.from(values.buffer);
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'd', units, batch_input_shape: [null, inputs], kernel_initializer: { class_name: 'Zeros', config: {} } } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'd/kernel', shape: [inputs, units], dtype: 'float32' },
          { name: 'd/bias', shape: [units], dtype: 'float32' },
        ],
      },
    ],
  };
  return { payload: { modelJson, weights: bytes.toString('base64') }, bytes };
}
