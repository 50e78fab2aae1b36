import { describe, expect, it } from 'vitest';
import { applySpecPatch, fixesOf, PatchError } from '../../../../src/training/diagnosis/patch.js';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import type { TrainingWarning } from '../../../../src/core/run-types.js';

const spec = {
  dataset: { id: 'd' },
  model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 3 }] },
  compile: { optimizer: { type: 'sgd' }, loss: 'mse' },
  fit: { epochs: 2 },
} as unknown as JobSpec;
const problem = (patch: unknown[]) => {
  try {
    applySpecPatch(spec, patch as never);
  } catch (err) {
    if (err instanceof PatchError) return err.problem;
    throw err;
  }
  return null;
};

describe('applySpecPatch', () => {
  it('returns a patched copy and leaves the original alone', () => {
    const out = applySpecPatch(spec, [
      { op: 'add', path: '/model/layers/1/activation', value: 'relu' },
      { op: 'replace', path: '/fit/epochs', value: 5 },
    ]) as JobSpec;
    expect(out.model.layers[1]).toMatchObject({ activation: 'relu' });
    expect(out.fit.epochs).toBe(5);
    expect(spec.model.layers[1]).not.toHaveProperty('activation');
  });

  it('names the operation that cannot apply, including prototype pollution attempts', () => {
    expect(
      problem([
        { op: 'add', path: '/fit/epochs', value: 1 },
        { op: 'replace', path: '/model/layers/9/units', value: 3 },
      ])?.path,
    ).toBe('/patch/1');
    expect(problem([{ op: 'test', path: '/fit/epochs', value: 99 }])?.path).toBe('/patch/0');
    expect(problem([{ op: 'add', path: '/__proto__/polluted', value: 1 }])?.path).toBe('/patch/0');
    expect(
      problem([
        { op: 'test', path: '/fit/epochs', value: 2 },
        { op: 'add', path: '/constructor/prototype/polluted', value: 1 },
      ])?.path,
    ).toBe('/patch/1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a move into its own child as a PatchError, not a TypeError', () => {
    expect(problem([{ op: 'move', from: '/model', path: '/model/layers/0' }])).toEqual({
      path: '/patch/0',
      message: 'move /model to /model/layers/0: a value cannot be moved into itself or one of its children',
    });
  });

  it('refuses copies that double the spec at the one that crosses the limit, naming it', () => {
    const patch = Array.from({ length: 24 }, (_, i) => ({ op: 'copy', from: '/fit', path: `/fit/k${i}` }));
    const found = problem(patch);
    expect(found?.path).toMatch(/^\/patch\/\d+$/);
    expect(found?.message).toMatch(/^copy \/fit to \/fit\/k\d+: the patched document would be longer than the limit/);
  });
});

describe('fixesOf', () => {
  const warning = (id: string, fix: TrainingWarning['fix']): TrainingWarning => ({
    id,
    epoch: 1,
    kind: id.split(':')[0] as TrainingWarning['kind'],
    layer: null,
    severity: 'warning',
    message: 'm',
    advice: 'a',
    evidence: {},
    fix,
  });
  const warnings = [
    warning('a:model', [{ op: 'add', path: '/model/layers/0/x', value: 1 }]),
    warning('b:model', [
      { op: 'add', path: '/model/layers/3/x', value: 2 },
      { op: 'add', path: '/model/layers/0/x', value: 9 },
    ]),
    warning('c:model', null),
  ];
  it('gathers all fixes, higher layers first, each path once (the first warning wins)', () => {
    expect(fixesOf(warnings, true).map((op) => `${op.path}=${'value' in op ? op.value : ''}`)).toEqual(['/model/layers/3/x=2', '/model/layers/0/x=1']);
  });
  it('gathers only the named warnings, and refuses an id the job does not have', () => {
    expect(fixesOf(warnings, ['b:model'])).toHaveLength(2);
    expect(() => fixesOf(warnings, ['b:model', 'nope'])).toThrow(PatchError);
  });
});
