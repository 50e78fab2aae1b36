/** What a layer's converter gets: the graph, the layer's config and weights, and its inputs in the graph. */
import { kerasActivationName } from './activations.js';
import type { OnnxGraph } from './graph.js';

export interface LayerWeight {
  shape: number[];
  values: Float32Array;
}

export interface LayerContext {
  g: OnnxGraph;
  /** The layer's name: the stem of the values it writes. */
  name: string;
  /** tfjs's getConfig() of the layer (camelCase keys). */
  config: Record<string, any>;
  /** The graph values the layer reads, in order. */
  inputs: string[];
  /** Their shapes, batch dimension (null) first. */
  inputShapes: (number | null)[][];
  /** A weight by its Keras name (`kernel`, `bias`, `moving_mean`...); throws if the layer has none. */
  weight(name: string): LayerWeight;
  /** Whether the layer has that weight. */
  hasWeight(name: string): boolean;
}

/** Turns one Keras layer into ONNX nodes; returns the graph value holding its output. */
export type LayerConverter = (ctx: LayerContext) => string;

/** Thrown by a converter for a configuration ONNX (or this exporter) cannot express; the caller names the layer. */
export class NotExportable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotExportable';
  }
}

/** The activation of a layer that has one (`activation` in its config), or NotExportable. */
export function activationOrFail(out: string | null, activation: unknown): string {
  if (out === null) throw new NotExportable(`its activation ${kerasActivationName(activation)} has no ONNX form here`);
  return out;
}
