import { describe, expect, it } from 'vitest';
import { planStudy, type StudyPlanRequest } from '../../../src/studies/expand.js';
import { getAt, parsePointer, setAt, whyNotSettable } from '../../../src/studies/pointer.js';

const base = () => ({
  name: 'b',
  dataset: { builtin: 'fashion-mnist', limit: 100, seed: 5 },
  model: {
    layers: [
      { type: 'Flatten', inputShape: [28, 28] },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 2, seed: 10 },
});

const plan = (over: Partial<StudyPlanRequest>) => planStudy({ base: base(), parameters: {}, method: 'grid', maxTrials: 100, ...over });

describe('JSON Pointer', () => {
  it('parses escapes and refuses malformed pointers', () => {
    expect(parsePointer('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(() => parsePointer('a/b')).toThrow(/starts with/);
    expect(() => parsePointer('/a~2')).toThrow(/~/);
  });

  it('sets like JSON Patch add: the parent must exist, an object may gain its last key, array indices must exist', () => {
    const doc = base();
    expect(whyNotSettable(doc, '/compile/optimizer/clipNorm')).toBeNull();
    expect(whyNotSettable(doc, '/model/layers/2/units')).toBeNull();
    expect(whyNotSettable(doc, '/model/layers/3/units')).toMatch(/\/model\/layers\/3 does not exist.*3 elements/);
    expect(whyNotSettable(doc, '/model/layers/01')).toMatch(/does not exist/);
    expect(whyNotSettable(doc, '/nope/x')).toMatch(/\/nope does not exist/);
    expect(whyNotSettable(doc, '/fit/epochs/x')).toMatch(/is a number/);
    expect(whyNotSettable(doc, '')).toMatch(/whole spec/);
  });

  it('null removes a field; values are copied, not shared', () => {
    const doc = base();
    const value = { type: 'BatchNormalization' };
    setAt(doc, '/model/layers/1', value);
    value.type = 'changed';
    expect(getAt(doc, '/model/layers/1/type')).toBe('BatchNormalization');
    setAt(doc, '/fit/seed', null);
    expect('seed' in doc.fit).toBe(false);
  });

  it('never walks into a prototype: __proto__, constructor and prototype are refused, inherited keys do not exist', () => {
    const doc = base();
    for (const pointer of ['/__proto__/polluted', '/constructor/prototype/polluted', '/model/__proto__', '/fit/constructor', '/model/layers/0/prototype']) {
      expect(whyNotSettable(doc, pointer), pointer).toMatch(/cannot appear in a JSON Pointer/);
      expect(() => setAt(doc, pointer, 'yes'), pointer).toThrow(/cannot appear/);
    }
    expect(whyNotSettable(doc, '/toString/x')).toMatch(/\/toString does not exist/);
    expect(whyNotSettable(doc, '/model/layers/length')).toMatch(/does not exist/);
    // An inherited name as the last key is a new field of the spec's own (the schema judges it).
    setAt(doc, '/fit/toString', 1);
    expect(Object.hasOwn(doc.fit, 'toString')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof ({} as object).toString).toBe('function');
  });
});

describe('planStudy', () => {
  it('a 2x2 grid with repeats 2 gives 8 trials, repeat by repeat, seeds base + repeat', () => {
    const { plan: p, problems } = plan({
      parameters: { '/model/layers/1/activation': ['relu', 'elu'], '/compile/optimizer/learningRate': [0.1, 0.01] },
      repeats: 2,
    });
    expect(problems).toEqual([]);
    expect(p!.configurations.map((c) => c.parameters)).toEqual([
      { '/model/layers/1/activation': 'relu', '/compile/optimizer/learningRate': 0.1 },
      { '/model/layers/1/activation': 'relu', '/compile/optimizer/learningRate': 0.01 },
      { '/model/layers/1/activation': 'elu', '/compile/optimizer/learningRate': 0.1 },
      { '/model/layers/1/activation': 'elu', '/compile/optimizer/learningRate': 0.01 },
    ]);
    expect(p!.trials).toHaveLength(8);
    expect(p!.trials.map((t) => [t.configuration, t.repeat])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const t5 = p!.trials[5].spec as ReturnType<typeof base>;
    expect(t5.model.layers[1].activation).toBe('relu');
    expect(t5.compile.optimizer.learningRate).toBe(0.01);
    expect(t5.fit.seed).toBe(11);
    expect(t5.dataset.seed).toBe(6);
    expect((p!.trials[0].spec as ReturnType<typeof base>).fit.seed).toBe(10);
    expect(new Set(p!.trials.map((t) => (t.spec as { name: string }).name)).size).toBe(8);
  });

  it('leaves the seeds alone without repeats, and never changes the base', () => {
    const b = base();
    const { plan: p } = planStudy({ base: b, parameters: { '/fit/epochs': [1, 3] }, method: 'grid', maxTrials: 10 });
    expect((p!.trials[1].spec as ReturnType<typeof base>).fit).toEqual({ epochs: 3, seed: 10 });
    expect(b.fit.epochs).toBe(2);
  });

  it("pairs repeats on the study's seed when the base has no fit.seed: repeat r of every configuration gets seed + r", () => {
    const b = base();
    delete (b.fit as { seed?: number }).seed;
    delete (b.dataset as { seed?: number }).seed;
    const { plan: p } = planStudy({ base: b, parameters: { '/fit/epochs': [1, 3] }, method: 'grid', repeats: 3, seed: 700, maxTrials: 10 });
    const seeds = p!.trials.map((t) => [t.repeat, (t.spec as ReturnType<typeof base>).fit.seed, (t.spec as ReturnType<typeof base>).dataset.seed]);
    expect(seeds).toEqual([
      [0, 700, 700],
      [0, 700, 700],
      [1, 701, 701],
      [1, 701, 701],
      [2, 702, 702],
      [2, 702, 702],
    ]);
    // One repeat still pins the seed, so no trial trains on a seed of its own.
    const single = planStudy({ base: b, parameters: { '/fit/epochs': [1, 3] }, method: 'grid', seed: 5, maxTrials: 10 });
    expect(single.plan!.trials.map((t) => (t.spec as ReturnType<typeof base>).fit.seed)).toEqual([5, 5]);
  });

  it('named values set several fields at once and show their name', () => {
    const { plan: p, problems } = plan({
      parameters: {
        technique: {
          selu: { '/model/layers/1/activation': 'selu', '/model/layers/1/kernelInitializer': 'lecun_normal' },
          'relu+he': { '/model/layers/1/activation': 'relu', '/model/layers/1/kernelInitializer': 'he_normal' },
        },
        '/compile/optimizer/clipValue': [null, 1],
      },
    });
    expect(problems).toEqual([]);
    expect(p!.trials.map((t) => t.parameters)).toEqual([
      { technique: 'selu', '/compile/optimizer/clipValue': null },
      { technique: 'selu', '/compile/optimizer/clipValue': 1 },
      { technique: 'relu+he', '/compile/optimizer/clipValue': null },
      { technique: 'relu+he', '/compile/optimizer/clipValue': 1 },
    ]);
    const s = p!.trials[1].spec as any;
    expect(s.model.layers[1]).toMatchObject({ activation: 'selu', kernelInitializer: 'lecun_normal' });
    expect(s.compile.optimizer.clipValue).toBe(1);
    expect('clipValue' in (p!.trials[0].spec as any).compile.optimizer).toBe(false);
  });

  it('random search is seeded, inside its ranges, and takes trials x repeats', () => {
    const parameters = {
      '/compile/optimizer/learningRate': { loguniform: [1e-4, 1e-1] },
      '/model/layers/1/units': { int: [4, 8] },
      '/fit/epochs': { uniform: [1, 2] },
      '/model/layers/1/activation': ['relu', 'tanh'],
    };
    const a = plan({ method: 'random', trials: 20, parameters, seed: 3 });
    const b = plan({ method: 'random', trials: 20, parameters, seed: 3 });
    const c = plan({ method: 'random', trials: 20, parameters, seed: 4 });
    expect(a.plan!.trials.map((t) => t.parameters)).toEqual(b.plan!.trials.map((t) => t.parameters));
    expect(a.plan!.trials.map((t) => t.parameters)).not.toEqual(c.plan!.trials.map((t) => t.parameters));
    for (const t of a.plan!.trials) {
      const lr = t.parameters['/compile/optimizer/learningRate'] as number;
      const units = t.parameters['/model/layers/1/units'] as number;
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(units) && units >= 4 && units <= 8).toBe(true);
      expect(['relu', 'tanh']).toContain(t.parameters['/model/layers/1/activation']);
    }
    // loguniform spreads over decades: some draws below 1e-3, some above 1e-2.
    const lrs = a.plan!.trials.map((t) => t.parameters['/compile/optimizer/learningRate'] as number);
    expect(lrs.some((x) => x < 1e-3) && lrs.some((x) => x > 1e-2)).toBe(true);
    expect(plan({ method: 'random', trials: 5, repeats: 3, parameters }).plan!.trials).toHaveLength(15);
  });

  it('asha on a list-only space runs the grid; with distributions it samples `trials`', () => {
    expect(plan({ method: 'asha', parameters: { '/fit/epochs': [1, 2, 3] } }).plan!.trials).toHaveLength(3);
    expect(plan({ method: 'asha', trials: 4, parameters: { '/compile/optimizer/learningRate': { uniform: [0.1, 0.2] } } }).plan!.trials).toHaveLength(4);
    expect(plan({ method: 'asha', parameters: { '/compile/optimizer/learningRate': { uniform: [0.1, 0.2] } } }).problems[0].path).toBe('/trials');
  });

  it('names the field: a pointer not in the spec, a malformed one, a bad distribution, a grid over the limit', () => {
    expect(plan({ parameters: { '/model/layers/7/units': [1, 2] } }).problems).toEqual([
      { path: '/parameters/~1model~1layers~17~1units', message: expect.stringMatching(/\/model\/layers\/7 does not exist/) },
    ]);
    expect(plan({ parameters: { t: { a: { '/nothing/here': 1 } } } }).problems[0].path).toBe('/parameters/t/a/~1nothing~1here');
    expect(plan({ parameters: { t: { a: { 'no-slash': 1 } } } }).problems[0].message).toMatch(/not a JSON Pointer/);
    expect(plan({ parameters: { '/a~9': [1] } }).problems[0].message).toMatch(/not a JSON Pointer/);
    expect(plan({ parameters: { '/__proto__/polluted': ['yes'] } }).problems).toEqual([
      { path: '/parameters/~1__proto__~1polluted', message: expect.stringMatching(/"__proto__" cannot appear/) },
    ]);
    expect(plan({ parameters: { t: { a: { '/constructor/prototype/polluted': 'yes' } } } }).problems[0].path).toBe(
      '/parameters/t/a/~1constructor~1prototype~1polluted',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(plan({ parameters: { '/fit/epochs': [] } }).problems[0].path).toBe('/parameters/~1fit~1epochs');
    expect(plan({ parameters: { '/fit/epochs': { normal: [0, 1] } } }).problems[0].message).toMatch(/uniform/);
    expect(plan({ method: 'random', trials: 2, parameters: { '/fit/epochs': { int: [3, 1] } } }).problems[0]).toEqual({
      path: '/parameters/~1fit~1epochs/int',
      message: 'min 3 is above max 1',
    });
    expect(plan({ method: 'random', trials: 2, parameters: { '/x': { loguniform: [0, 1] } } }).problems[0].message).toMatch(/min > 0/);
    expect(plan({ parameters: { '/fit/epochs': { uniform: [1, 2] } } }).problems[0].message).toMatch(/distribution is sampled/);
    expect(plan({ parameters: {} }).problems[0].path).toBe('/parameters');
    const big = plan({ parameters: { '/fit/epochs': [1, 2, 3, 4, 5], '/fit/batchSize': [8, 16, 32, 64] }, repeats: 6 });
    expect(big.problems).toEqual([
      { path: '/parameters', message: expect.stringMatching(/5 x 4 = 20 configurations x 6 repeats = 120 trial jobs; the limit is 100 \(MAX_STUDY_TRIALS\)/) },
    ]);
    expect(plan({ method: 'random', trials: 60, repeats: 2, parameters: { '/fit/epochs': [1] } }).problems[0].path).toBe('/trials');
  });

  it('refuses a huge grid without enumerating it', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const parameters = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/p${i}`, values]));
    const started = Date.now();
    expect(planStudy({ base: base(), parameters, method: 'grid', maxTrials: 500 }).problems[0].path).toBe('/parameters');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
