import { describe, expect, it } from 'vitest';
import { bodyValidator } from '../../../src/schemas/validate.js';
import { JobSpec } from '../../../src/schemas/job-spec.js';
import { planStudy } from '../../../src/studies/expand.js';
import { chapter11 } from '../../../src/studies/presets.js';

describe('chapter-11 preset', () => {
  it('expands to activation x initializer x batch normalization, 3 repeats, every trial a valid job spec', () => {
    const p = chapter11();
    const { plan, problems } = planStudy({ ...p, maxTrials: 500 });
    expect(problems).toEqual([]);
    expect(plan!.configurations).toHaveLength(4 * 2 * 2);
    expect(plan!.trials).toHaveLength(48);
    const validate = bodyValidator().compile(JobSpec);
    for (const t of plan!.trials) expect(validate(t.spec), JSON.stringify(validate.errors)).toBe(true);

    const selu = plan!.trials.find((t) => t.parameters.activation === 'selu' && t.parameters.batchNormalization === 'on' && t.repeat === 2)!;
    const layers = (selu.spec as { model: { layers: Array<Record<string, unknown>> } }).model.layers;
    expect(layers.filter((l) => l.type === 'Dense' && l.activation === 'selu')).toHaveLength(4);
    expect(layers.filter((l) => l.type === 'BatchNormalization')).toHaveLength(4);
    expect((selu.spec as { fit: { seed: number } }).fit.seed).toBe(13);
    const off = plan!.trials.find((t) => t.parameters.batchNormalization === 'off')!;
    expect((off.spec as { model: { layers: Array<Record<string, unknown>> } }).model.layers.filter((l) => l.type === 'BatchNormalization')).toHaveLength(0);
  });
});
