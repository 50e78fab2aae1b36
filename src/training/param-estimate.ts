import type { LayerSpec } from '../schemas/job-spec.js';

/**
 * Counts the parameters a stack of layers will have, from the spec alone (no tfjs, no
 * allocation), so an absurd spec (Dense 65536 x 65536) is refused before anything is built.
 * Exact for the layer types we offer; `inputShape` is what the first layer receives.
 */
export function estimateParams(layers: readonly LayerSpec[], inputShape: readonly number[]): number {
  let shape = [...inputShape];
  let total = 0;
  for (const layer of layers) {
    const last = shape[shape.length - 1] ?? 1;
    switch (layer.type) {
      case 'Flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Reshape':
        shape = [...layer.targetShape];
        break;
      case 'Dense':
        total += last * layer.units + (layer.useBias === false ? 0 : layer.units);
        shape = [...shape.slice(0, -1), layer.units];
        break;
      case 'BatchNormalization':
        total += 4 * last;
        break;
      case 'PReLU': {
        const shared = new Set(layer.sharedAxes ?? []);
        total += shape.reduce((n, d, i) => (shared.has(i + 1) ? n : n * d), 1);
        break;
      }
      default:
        break;
    }
  }
  return total;
}
