/**
 * Exports a TensorFlow.js layers model (Sequential or functional) as an ONNX model for inference.
 *
 * Every layer becomes ONNX operators of the default domain at opset 13 (ONNX IR version 7, read by
 * ONNX Runtime >= 1.8 and onnx >= 1.8), in inference mode: dropout and noise layers pass through,
 * batch normalization uses its moving statistics, RReLU its mean slope. Inputs and outputs keep
 * the Keras layout (channels last) with a dynamic batch dimension. A layer with no exact ONNX form
 * here is refused by name (a 400), never approximated.
 */
import * as tf from '@tensorflow/tfjs';
import { ServiceError } from '../../../core/errors.js';
import { CONV_LAYERS } from './conv.js';
import { NotExportable, type LayerContext, type LayerConverter, type LayerWeight } from './context.js';
import { onnx, OnnxGraph, type Onnx } from './graph.js';
import { CORE_LAYERS } from './layers.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

const CONVERTERS: Record<string, LayerConverter> = { ...CORE_LAYERS, ...CONV_LAYERS };

/** The Keras layer classes the exporter writes. */
export const EXPORTABLE_LAYERS = Object.keys(CONVERTERS).sort();

export interface ExportMetadata {
  /** The graph's name (the model's registry name, else its id). */
  name: string;
  /** ModelProto.model_version (the registry version; 1 for an unnamed model). */
  version: number;
  producerName: string;
  producerVersion: string;
  description?: string;
  /** More metadata_props entries: class labels, preprocessing, the model's id. */
  props?: Record<string, string>;
}

type Shape = (number | null)[];

/** A value's type: float32 with the given dims, the batch dimension (null) symbolic. */
function valueInfo(name: string, shape: Shape): Onnx.IValueInfoProto {
  const dim = shape.map((d, i) => (d === null || d === undefined ? { dimParam: i === 0 ? 'batch' : `${name}_dim${i}` } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } };
}

function layerWeights(layer: tf.layers.Layer): Map<string, LayerWeight> {
  const weights = new Map<string, LayerWeight>();
  for (const w of layer.weights) {
    if (w.dtype !== 'float32') throw new NotExportable(`its weight ${w.originalName} is ${w.dtype}, not float32`);
    const value = w.read();
    const short = w.originalName.split('/').pop() as string;
    weights.set(short, { shape: [...value.shape], values: new Float32Array(value.dataSync() as Float32Array) });
  }
  return weights;
}

function refuse(layer: tf.layers.Layer, reason: string): ServiceError {
  const message = `Layer ${layer.name} (${layer.getClassName()}) cannot be exported to ONNX: ${reason}`;
  return new ServiceError('invalid_request', message, [{ path: `/layers/${layer.name}`, message }]);
}

/** Converts one call of a layer (one of its inbound nodes) whose inputs are in the graph. */
function convertCall(g: OnnxGraph, layer: tf.layers.Layer, inputs: string[], inputShapes: Shape[]): string {
  const className = layer.getClassName();
  const converter = CONVERTERS[className];
  if (!converter) throw refuse(layer, `no ONNX conversion for ${className}; exportable layers: ${EXPORTABLE_LAYERS.join(', ')}`);
  try {
    const weights = layerWeights(layer);
    const ctx: LayerContext = {
      g,
      name: layer.name,
      config: layer.getConfig() as Record<string, any>,
      inputs,
      inputShapes,
      hasWeight: (n) => weights.has(n),
      weight: (n) => {
        const w = weights.get(n);
        if (!w) throw new NotExportable(`it has no ${n} weight`);
        return w;
      },
    };
    return converter(ctx);
  } catch (err) {
    if (err instanceof NotExportable) throw refuse(layer, err.message);
    throw err;
  }
}

/** Names the graph's inputs or outputs: `input`/`output` for one, `input_0`, `input_1`... for several. */
const ioName = (stem: string, i: number, n: number) => (n === 1 ? stem : `${stem}_${i}`);

/** Walks the model's layers (in the order tfjs keeps, inputs before their users) and fills the graph. */
function buildGraph(model: tf.LayersModel): Onnx.IGraphProto {
  const g = new OnnxGraph();
  const values = new Map<number, string>();
  const inputs = model.inputs.map((t, i) => {
    const name = g.reserve(ioName('input', i, model.inputs.length));
    values.set(t.id, name);
    return valueInfo(name, t.shape);
  });
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of layer.inboundNodes) {
      const known = node.inputTensors.map((t) => values.get(t.id));
      if (known.some((v) => v === undefined)) continue; // a call from another model
      if (node.outputTensors.length !== 1) throw refuse(layer, 'it has several outputs');
      const out = convertCall(
        g,
        layer,
        known as string[],
        node.inputTensors.map((t) => t.shape),
      );
      values.set(node.outputTensors[0].id, out);
    }
  }
  const outputs = model.outputs.map((t, i) => {
    const value = values.get(t.id);
    if (value === undefined) throw new ServiceError('invalid_request', `The model's output ${t.name} is not reachable from its inputs`);
    const name = g.reserve(ioName('output', i, model.outputs.length));
    g.nodes.push({ opType: 'Identity', input: [value], output: [name], name: g.name(`${name}/Identity`) });
    return valueInfo(name, t.shape);
  });
  return { name: model.name, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs };
}

/** The ONNX model (a serialized ModelProto) computing what `model.predict` computes. */
export function exportOnnx(model: tf.LayersModel, meta: ExportMetadata): Uint8Array {
  const graph = buildGraph(model);
  graph.name = meta.name;
  const props = { keras_layers: model.layers.map((l) => `${l.name}:${l.getClassName()}`).join(','), ...meta.props };
  const proto: Onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: meta.producerName,
    producerVersion: meta.producerVersion,
    modelVersion: meta.version,
    docString: meta.description ?? '',
    graph,
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}
