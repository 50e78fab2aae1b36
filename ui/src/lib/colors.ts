import { interpolateCividis, interpolateViridis } from 'd3-scale-chromatic';

/**
 * Okabe & Ito's eight colours, distinguishable with every common colour-vision deficiency:
 * one per compared job (at most 8), and train/validation on a job page.
 */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export type ScaleName = 'viridis' | 'cividis';

/** 256 RGB triples of a perceptually uniform, colour-blind-safe scale, dark (low) to light (high). */
export function colorTable(scale: ScaleName): Uint8ClampedArray {
  const interpolate = scale === 'cividis' ? interpolateCividis : interpolateViridis;
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = parseColor(interpolate(i / 255));
    table.set([r, g, b], i * 3);
  }
  return table;
}

/** d3 gives `rgb(r, g, b)` or `#rrggbb`. */
function parseColor(css: string): [number, number, number] {
  if (css.startsWith('#')) return [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16)) as [number, number, number];
  const m = css.match(/\d+/g) ?? ['0', '0', '0'];
  return [Number(m[0]), Number(m[1]), Number(m[2])];
}
