/**
 * A small builder for an ONNX graph: nodes, float initializers and unique value names, written
 * as the plain objects onnx-proto encodes.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

/** The runtime side of onnx-proto (a CommonJS module): its message classes and enums. */
export const onnx = onnxProto.onnx;
export type { Onnx };

/** One attribute value: a number is an INT unless `float` wraps it; arrays of numbers are INTS. */
export type AttributeValue = number | string | number[] | { float: number };

export class OnnxGraph {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet, from a readable stem (layer names are kept where they are free). */
  name(stem: string): string {
    let name = stem;
    for (let n = 1; this.used.has(name); n++) name = `${stem}_${n}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given from outside (the graph's inputs). */
  reserve(name: string): string {
    return this.name(name);
  }

  /** Adds a node; returns the name of its (first) output. */
  node(opType: string, inputs: string[], stem: string, attributes: Record<string, AttributeValue> = {}): string {
    const output = this.name(stem);
    this.nodes.push({ opType, input: inputs, output: [output], name: this.name(`${stem}/${opType}`), attribute: toAttributes(attributes) });
    return output;
  }

  /** A float32 constant (a weight, or a folded one). */
  floats(stem: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(stem);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(rawData) });
    return name;
  }

  /** An int64 constant (a shape, pads...). */
  int64s(stem: string, values: number[]): string {
    const name = this.name(stem);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }
}

function toAttributes(attributes: Record<string, AttributeValue>): Onnx.IAttributeProto[] {
  const { AttributeType } = onnx.AttributeProto;
  return Object.entries(attributes).map(([name, value]) => {
    if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
    if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
    if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
    return { name, type: AttributeType.FLOAT, f: value.float };
  });
}
