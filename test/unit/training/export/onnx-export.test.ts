/**
 * The ONNX export against TensorFlow.js: for each layer type, convolution and pooling layer,
 * functional model and chapter recipe, the model goes through the stored artifact (as the API
 * serves it) and ONNX Runtime's output on 100 inputs must match tfjs's within 1e-5 of the
 * output's scale; then onnx.checker must accept every file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from '../../../../src/training/export/onnx/convert.js';
import { onnx, type Onnx } from '../../../../src/training/export/onnx/graph.js';
import { deserializeModel, serializeModel } from '../../../../src/training/model/artifact.js';
import { ServiceError } from '../../../../src/core/errors.js';
import { useTestBackend } from '../../../support/test-backend.js';
import { checkModels, NO_ONNX_PYTHON, onnxPython, relativeError } from '../../../support/onnx-check.js';
import { CONV_CASES, FUNCTIONAL_CASES, IMPORTED_LAYER_CASES, RECIPE_CASES, SPEC_LAYER_CASES, randomizeWeights, type ExportCase } from './onnx-cases.js';

const META = { name: 'test-model', version: 3, producerName: 'tfjs-train', producerVersion: '0.0.0-test', props: { classes: '["a","b"]' } };
const SAMPLES = 100;
const TOLERANCE = 1e-5;

/** Every exported file, for the checker at the end. */
const exported: Record<string, Uint8Array> = {};

beforeAll(async () => {
  await useTestBackend();
});

/** Exports the model as the API does (from its stored artifact) and compares ONNX Runtime with tfjs. */
async function exportAndCompare(c: ExportCase, seed: number) {
  const model = await c.build();
  randomizeWeights(model, seed);
  const { model: stored } = await deserializeModel(await serializeModel(model));
  const bytes = exportOnnx(stored, META);
  exported[c.name] = bytes;
  const input = c.input ? c.input(SAMPLES, seed) : tf.randomNormal([SAMPLES, ...c.inputShape], 0, 2, 'float32', seed);
  try {
    const { error, dims, shape } = await relativeError(model, bytes, input);
    expect(dims).toEqual(shape);
    expect(error, `${c.name}: ONNX Runtime differs from tfjs by ${error} of the output scale`).toBeLessThan(TOLERANCE);
  } finally {
    tf.dispose([input]);
    model.dispose();
    stored.dispose();
  }
}

const groups: [string, ExportCase[]][] = [
  ['every layer type a job trains', SPEC_LAYER_CASES],
  ['convolution and pooling layers (channels last)', CONV_CASES],
  ['other layers an imported model may have', IMPORTED_LAYER_CASES],
  ['functional models', FUNCTIONAL_CASES],
  ["the chapter's recipes", RECIPE_CASES],
];

for (const [title, cases] of groups) {
  describe(`ONNX export matches TensorFlow.js: ${title}`, () => {
    cases.forEach((c, i) => it(c.name, () => exportAndCompare(c, 100 + i)));
  });
}

describe('the exported ModelProto', () => {
  it('carries IR version, opset, producer, metadata and a dynamic batch dimension', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    const proto = onnx.ModelProto.decode(exportOnnx(model, META));
    model.dispose();
    expect(Number(proto.irVersion)).toBe(ONNX_IR_VERSION);
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect([proto.producerName, proto.producerVersion, Number(proto.modelVersion), proto.graph?.name]).toEqual(['tfjs-train', '0.0.0-test', 3, 'test-model']);
    const dims = (v: Onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(proto.graph?.input?.map((v) => [v.name, dims(v)])).toEqual([['input', ['batch', 4]]]);
    expect(proto.graph?.output?.map((v) => [v.name, dims(v)])).toEqual([['output', ['batch', 3]]]);
    const props = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
    expect(props['classes']).toBe('["a","b"]');
    expect(props['keras_layers']).toMatch(/^dense[^:]*:Dense$/);
  });
});

describe('layers ONNX cannot express here', () => {
  const refused = (layer: tf.layers.Layer, inputShape: number[]) => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape, units: 4, name: 'fine' }), layer] });
    try {
      exportOnnx(model, META);
    } catch (err) {
      return err;
    } finally {
      model.dispose();
    }
    return null;
  };

  it('refuses a layer with no conversion with a 400 naming it', () => {
    const err = refused(tf.layers.repeatVector({ n: 2, name: 'repeat' }), [3]);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).statusCode).toBe(400);
    expect((err as ServiceError).message).toMatch(/Layer repeat \(RepeatVector\) cannot be exported to ONNX/);
    expect((err as ServiceError).details).toEqual([expect.objectContaining({ path: '/layers/repeat' })]);
  });

  it('refuses an activation with no ONNX form rather than writing another', () => {
    const err = refused(tf.layers.activation({ activation: 'logSoftmax' as never, name: 'logsm' }), [3]);
    expect((err as ServiceError).message).toMatch(/Layer logsm \(Activation\) .*log_softmax/);
  });
});

afterAll(() => {
  // Reported, not silently passed: the checker needs Debian's python3-onnx.
  if (!onnxPython()) console.warn(`onnx.checker: ${NO_ONNX_PYTHON}`);
});

describe('onnx.checker', () => {
  it.skipIf(!onnxPython())('accepts every exported file', () => {
    expect(Object.keys(exported).length).toBeGreaterThan(30);
    expect(checkModels(exported)).toEqual({});
  });

  it.skipIf(!onnxPython())('rejects a file that is not a valid model (so the check above can fail)', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const proto = onnx.ModelProto.decode(exportOnnx(model, META));
    model.dispose();
    const [first] = proto.graph?.node ?? [];
    first.opType = 'NoSuchOperator';
    const failures = checkModels({ broken: onnx.ModelProto.encode(proto).finish() });
    expect(failures['broken']).toMatch(/NoSuchOperator/);
  });
});
