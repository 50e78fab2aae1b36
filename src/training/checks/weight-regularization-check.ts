/**
 * Checks a layer's weight penalties and constraints against the weights it has, which the schema
 * cannot see: a bias option on a layer without a bias, and a constraint axis the weight does not
 * have (tfjs would only fail at the first training step). Pure, no tfjs.
 */
import type { SpecProblem } from '../../core/problems.js';
import type { ConvLayerOptions } from '../model/conv-options.js';
import { WEIGHT_NAMES, type WeightName } from '../model/weight-regularization.js';

/** The rank of each weight of a layer type: Dense [inputs, units], Conv1D [width, channels, filters], ... */
const WEIGHT_RANKS: Record<string, Partial<Record<WeightName, number>>> = {
  Dense: { kernel: 2, bias: 1 },
  Conv1D: { kernel: 3, bias: 1 },
  Conv2D: { kernel: 4, bias: 1 },
  DepthwiseConv2D: { depthwise: 4, bias: 1 },
  SeparableConv2D: { depthwise: 4, pointwise: 4, bias: 1 },
};

/** The problems with layer `index`'s `*Regularizer` and `*Constraint` options. */
export function checkWeightRegularization(opts: ConvLayerOptions, index: number): SpecProblem[] {
  const ranks = WEIGHT_RANKS[opts.type];
  if (!ranks) return [];
  const problems: SpecProblem[] = [];
  const path = `/model/layers/${index}`;
  if (opts.useBias === false) {
    for (const option of ['biasRegularizer', 'biasConstraint'] as const) {
      if (opts[option]) problems.push({ path: `${path}/${option}`, message: `the layer has no bias (useBias is false): remove ${option} or set useBias` });
    }
  }
  for (const weight of WEIGHT_NAMES) {
    const constraint = opts[`${weight}Constraint`];
    const rank = ranks[weight];
    if (!constraint || constraint.type === 'nonNeg' || rank === undefined) continue;
    const axes = [constraint.axis ?? 0].flat();
    const outside = axes.find((axis) => axis >= rank);
    if (outside !== undefined) {
      problems.push({
        path: `${path}/${weight}Constraint/axis`,
        message: `${opts.type}'s ${weight} weight has ${rank} ${rank === 1 ? 'axis' : 'axes'} (0..${rank - 1}), so there is no axis ${outside}`,
      });
    }
  }
  return problems;
}
