import { describe, expect, it } from 'vitest';
import { toHeatmapGrid } from '../../../ui/src/lib/heatmap.js';
import { isImage28, toModelInput, builtinClassNames } from '../../../ui/src/lib/image-input.js';
import { locatePointer, syntaxErrors } from '../../../ui/src/lib/json-position.js';
import { layoutLineage } from '../../../ui/src/lib/lineage.js';
import { RECIPES } from '../../../ui/src/lib/recipes.js';
import { diffSpecs, flatten } from '../../../ui/src/lib/spec-diff.js';
import { validateSpec } from '../../../ui/src/lib/validate-spec.js';
import { smallFashionJob } from '../../support/harness.js';

// The dashboard's pure parts, run here without a browser.

describe('heat-map grid', () => {
  const epochs = [
    {
      epoch: 1,
      layers: [
        { name: 'd1', gradNorm: 1e-6, deadFraction: 0 },
        { name: 'd2', gradNorm: 0.1, deadFraction: 0.5 },
      ],
    },
    {
      epoch: 2,
      layers: [
        { name: 'd1', gradNorm: 0, deadFraction: 0.25 },
        { name: 'd2', gradNorm: Number.NaN, deadFraction: 1 },
      ],
    },
  ];

  it('puts log10 of the gradient norm per layer and epoch, leaving zeros and NaN out of the scale', () => {
    const g = toHeatmapGrid(epochs, 'gradNorm');
    expect(g.layers).toEqual(['d1', 'd2']);
    expect(g.epochs).toEqual([1, 2]);
    expect(g.values[0]).toBeCloseTo(-6);
    expect(g.values[2]).toBeCloseTo(-1);
    expect(Number.isNaN(g.values[1]) && Number.isNaN(g.values[3])).toBe(true);
    expect([g.min, g.max]).toEqual([-6, -1]);
  });

  it('keeps linear metrics linear', () => {
    const g = toHeatmapGrid(epochs, 'deadFraction');
    expect(Array.from(g.values)).toEqual([0, 0.25, 0.5, 1]);
    expect([g.min, g.max]).toEqual([0, 1]);
  });

  it('has a usable scale with no data', () => {
    expect(toHeatmapGrid([], 'gradNorm')).toMatchObject({ layers: [], min: 0, max: 1 });
  });
});

describe('spec comparison', () => {
  it('flattens to JSON Pointers, escaping ~ and /', () => {
    expect([...flatten({ a: [1, { 'b/c': 2, 'd~': [] }] })]).toEqual([
      ['/a/0', 1],
      ['/a/1/b~1c', 2],
      ['/a/1/d~0', []],
    ]);
  });

  it('marks the fields that differ, including ones only some specs have', () => {
    const rows = diffSpecs([
      { fit: { epochs: 3 }, lr: 1 },
      { fit: { epochs: 4 }, lr: 1, base: { modelId: 'm' } },
    ]);
    expect(rows.filter((r) => r.differs).map((r) => r.path)).toEqual(['/fit/epochs', '/base/modelId']);
    expect(rows.find((r) => r.path === '/base/modelId')!.values).toEqual([undefined, 'm']);
  });
});

describe('lineage layout', () => {
  it('places ancestors left, the model at 0 and descendants right, with an edge per base link', () => {
    const known = [
      { id: 'c', label: 'c', baseModelId: 'b' },
      { id: 'd1', label: 'd1', baseModelId: 'c' },
      { id: 'd2', label: 'd2', baseModelId: 'c' },
      { id: 'e', label: 'e', baseModelId: 'd1' },
      { id: 'x', label: 'x', baseModelId: null },
    ];
    const { nodes, edges } = layoutLineage(
      'c',
      [
        { id: 'b', label: 'b', baseModelId: 'a' },
        { id: 'a', label: 'a', baseModelId: null },
      ],
      known,
    );
    const at = Object.fromEntries(nodes.map((n) => [n.id, [n.generation, n.row]]));
    expect(at).toEqual({ b: [-1, 0], a: [-2, 0], c: [0, 0], d1: [1, 0], d2: [1, 1], e: [2, 0] });
    expect(edges).toEqual([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd1'],
      ['c', 'd2'],
      ['d1', 'e'],
    ]);
    expect(nodes.find((n) => n.id === 'c')!.current).toBe(true);
  });
});

describe('drawn image to model input', () => {
  const rgba = new Uint8ClampedArray(28 * 28 * 4);
  rgba.set([255, 255, 255, 255], (3 * 28 + 5) * 4); // one white pixel at row 3, column 5

  it('shapes the grey values as the model wants them, light ink = 1', () => {
    expect(isImage28([28, 28]) && isImage28([784]) && isImage28([28, 28, 1]) && !isImage28([2])).toBe(true);
    const rows = toModelInput(rgba, [28, 28]) as number[][];
    expect(rows).toHaveLength(28);
    expect(rows[3][5]).toBeCloseTo(1);
    expect(rows[3][4]).toBe(0);
    expect((toModelInput(rgba, [784]) as number[])[3 * 28 + 5]).toBeCloseTo(1);
    expect((toModelInput(rgba, [28, 28, 1]) as number[][][])[3][5]).toEqual([expect.closeTo(1)]);
    expect((toModelInput(rgba, [28, 28], true) as number[][])[0][0]).toBe(1);
  });

  it('names the classes of a built-in dataset, renumbered by `classes`', () => {
    expect(builtinClassNames({ builtin: 'fashion-mnist', classes: [5, 6] })).toEqual(['Sandal', 'Shirt']);
    expect(builtinClassNames({ builtin: 'mnist' })?.[7]).toBe('7');
    expect(builtinClassNames({ builtin: 'cifar-10', classes: [3, 5] })).toEqual(['cat', 'dog']);
    expect(builtinClassNames({ builtin: 'toString' })).toBeNull();
    expect(builtinClassNames(undefined)).toBeNull();
  });
});

describe('spec editor checks', () => {
  it('accepts every recipe and the test job', () => {
    for (const r of RECIPES) expect({ recipe: r.id, errors: validateSpec(structuredClone(r.spec)) }).toEqual({ recipe: r.id, errors: [] });
    expect(validateSpec(smallFashionJob())).toEqual([]);
  });

  it('names each bad field as the API does', () => {
    const spec = smallFashionJob({ fit: { epochs: 0 } }) as any;
    spec.model.layers[1].units = 'many';
    spec.model.layers.push({ type: 'Conv9D' });
    spec.extra = 1;
    const errors = validateSpec(spec);
    const paths = errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/fit/epochs', '/model/layers/1/units', '/model/layers/3/type', '/extra']));
    expect(errors.find((e) => e.path === '/model/layers/3/type')!.message).toMatch(/unknown type "Conv9D"; allowed: .*Dense/);
    expect(errors.find((e) => e.path === '/extra')!.message).toBe('unknown option "extra"');
  });

  it('finds the line of a field, or of its parent when the field is missing', () => {
    const text = JSON.stringify({ fit: { epochs: 0 }, model: { layers: [{ type: 'Dense' }] } }, null, 2);
    expect(locatePointer(text, '/fit/epochs')).toMatchObject({ line: 3 });
    expect(text.slice(locatePointer(text, '/fit/epochs')!.offset).startsWith('"epochs": 0')).toBe(true);
    expect(locatePointer(text, '/model/layers/0/units')!.line).toBe(locatePointer(text, '/model/layers/0')!.line);
    expect(syntaxErrors('{\n  "a": 1,\n}')[0].range.line).toBe(3);
    expect(syntaxErrors(text)).toEqual([]);
  });
});
