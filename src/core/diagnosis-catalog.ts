/**
 * The diagnosis catalog: every kind of training warning, when its rule looks (`start`: once, on the
 * first batch before training; `epoch`: after every epoch; `both`), and its thresholds with their
 * defaults and bounds. Data only: the warning-kind type, the schema of `diagnostics.rules` and the
 * rule registry all derive from it, so a kind is named in one place.
 */

/** A threshold a rule reads, overridable in `diagnostics.rules.<kind>`. */
export interface ThresholdDef {
  readonly default: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly description: string;
}

export interface RuleEntry {
  readonly when: 'start' | 'epoch' | 'both';
  readonly thresholds: Readonly<Record<string, ThresholdDef>>;
}

/** The rules, in the order their warnings are listed. */
export const DIAGNOSIS_RULES = {
  unscaled_inputs: {
    when: 'start',
    thresholds: {
      // Initializers assume inputs of about unit scale; 3x that is already a 3x larger first-layer std (raw pixels: std ~90).
      maxStd: { default: 3, minimum: 0, maximum: 1e12, description: "Raise when the features' overall std is above this (default 3)" },
      maxMean: { default: 3, minimum: 0, maximum: 1e12, description: "Raise when the features' overall mean is further than this from 0 (default 3)" },
    },
  },
  class_imbalance: {
    when: 'start',
    thresholds: {
      // 10:1, SageMaker's default for its class_imbalance rule; milder skews rarely hurt a classifier's loss.
      ratio: {
        default: 10,
        minimum: 1,
        maximum: 1e9,
        description: 'Raise when the most common class has more than this many times the samples of the rarest (default 10)',
      },
    },
  },
  poor_initialization: {
    when: 'start',
    thresholds: {
      // SELU's fixed point is (0, 1); outside [0.5, 2] the first layers are far enough off that the net may not converge to it.
      seluStdLow: { default: 0.5, minimum: 0, maximum: 1, description: "Raise when a selu layer's activation std is below this (default 0.5)" },
      seluStdHigh: { default: 2, minimum: 1, maximum: 1e6, description: "Raise when a selu layer's activation std is above this (default 2)" },
      seluMean: { default: 0.5, minimum: 0, maximum: 1e6, description: "Raise when a selu layer's activation mean is further than this from 0 (default 0.5)" },
      // Glorot on ReLU layers shrinks the std by ~0.71 per layer; He keeps ~1.0. 0.8 splits the two.
      shrink: {
        default: 0.8,
        minimum: 0,
        maximum: 1,
        description: "Raise when a ReLU stack's activation std shrinks below this factor per layer, on average (default 0.8)",
      },
      // Shrinking by 0.71 over three layers is only 2x; from four on it compounds past what training readily undoes.
      minDepth: { default: 4, minimum: 2, maximum: 200, description: 'ReLU-family hidden layers needed before the shrink is judged (default 4)' },
    },
  },
  exploding_activations: {
    when: 'start',
    thresholds: {
      // Doubling per layer is 2^10 = 1000x over ten layers; a variance-preserving init stays near 1x (He with ReLU: ~1.0-1.2x).
      growth: {
        default: 2,
        minimum: 1,
        maximum: 1e6,
        description: 'Raise when the activation std multiplies by more than this per hidden layer, on average (default 2)',
      },
      // Growth over one step is noise; three hidden layers make a trend.
      minLayers: { default: 3, minimum: 2, maximum: 200, description: 'Hidden weighted layers needed to judge the trend (default 3)' },
    },
  },
  diverged: {
    when: 'epoch',
    thresholds: {
      // A classifier at 3x chance loss is confidently wrong (ln 10 = 2.3 -> 6.9); a healthy one is below chance after its first epoch.
      baselineFactor: {
        default: 3,
        minimum: 1,
        maximum: 1e9,
        description: 'Raise when the loss is above this multiple of the constant-prediction loss (default 3)',
      },
      // Noise moves an epoch's loss by percents; tenfold above the best epoch is no longer noise.
      riseFactor: {
        default: 10,
        minimum: 1,
        maximum: 1e9,
        description: 'Raise when the loss rose to more than this multiple of its lowest value (default 10)',
      },
    },
  },
  vanishing_gradients: {
    when: 'epoch',
    thresholds: {
      // Three orders of magnitude: Glorot & Bengio's deep sigmoid nets show 1e-3..1e-5 bottom/top; a healthy ReLU net stays within ~1e-1.
      ratio: { default: 1e-3, minimum: 1e-12, maximum: 1, description: 'Raise when the bottom/top gradient-norm ratio is below this (default 1e-3)' },
      // A sigmoid stack that learns keeps ~0.8-1x per layer; the chapter's 4-deep sigmoid net at SGD 0.01, stuck at chance, decays 0.4-0.55x.
      decay: {
        default: 0.7,
        minimum: 0,
        maximum: 1,
        description: 'Raise when, down a stack of 3 or more sigmoid/tanh hidden layers, the gradient norm shrinks below this factor per layer (default 0.7)',
      },
    },
  },
  exploding_gradients: {
    // At the start too: a net whose first steps blow up often ends with saturated units and zero
    // gradients, which would hide the cause from the end-of-epoch probe.
    when: 'both',
    thresholds: {
      // The mirror of vanishing_gradients' 1e-3: three orders of magnitude of growth from top to bottom.
      ratio: { default: 1e3, minimum: 1, maximum: 1e12, description: 'Raise when the bottom/top gradient-norm ratio is above this (default 1e3)' },
      // A probe gradient norm of 1e3 with a learning rate of 1e-2 moves a weight tensor by ~10 per step: far past any sane step.
      norm: { default: 1e3, minimum: 1, maximum: 1e15, description: "Raise when a layer's gradient norm is above this (default 1e3)" },
    },
  },
  dead_units: {
    when: 'epoch',
    thresholds: {
      // Half a layer dead halves its capacity; a healthy He/ReLU layer on Fashion-MNIST has 0-10% dead units.
      fraction: { default: 0.5, minimum: 0, maximum: 1, description: "Raise when more than this fraction of a layer's units are dead (default 0.5)" },
    },
  },
  saturation: {
    when: 'epoch',
    thresholds: {
      // Half the activations in the flat tails: the layer passes back less than half the gradient it receives.
      fraction: {
        default: 0.5,
        minimum: 0,
        maximum: 1,
        description: "Raise when more than this share of a hidden sigmoid/tanh layer's outputs is within 5% of its limits (default 0.5)",
      },
      // A trained classifier is confident on most samples, so only near-all pinned outputs count, and only with a bad loss.
      outputFraction: {
        default: 0.9,
        minimum: 0,
        maximum: 1,
        description: 'Raise for the output layer when more than this share of samples get a top probability above 0.99 (default 0.9)...',
      },
      // ...while the loss is this many times the loss of a constant prediction (confidently wrong, not confidently right).
      lossFactor: {
        default: 1.5,
        minimum: 1,
        maximum: 1e6,
        description: '...and the loss is above this multiple of the constant-prediction loss (default 1.5)',
      },
    },
  },
  learning_rate_too_high: {
    when: 'epoch',
    thresholds: {
      // 30x the healthy 1e-3: each step rewrites 3% of a weight tensor, beyond what a gradient step's linear approximation holds for.
      updateRatio: { default: 3e-2, minimum: 0, maximum: 1e6, description: 'Raise when the median per-step update/weight ratio is above this (default 3e-2)' },
      // With the loss going up and down, a ratio of 3x the healthy one is already enough to blame the rate.
      oscillationRatio: {
        default: 3e-3,
        minimum: 0,
        maximum: 1e6,
        description: 'Raise when the loss rose in 2 of the last 3 epochs and the ratio is above this (default 3e-3)',
      },
    },
  },
  learning_rate_too_low: {
    when: 'epoch',
    thresholds: {
      // 100x below the healthy 1e-3: at that pace an epoch of a few hundred steps moves the weights by under 1%.
      updateRatio: { default: 1e-5, minimum: 0, maximum: 1, description: 'Raise when the median per-step update/weight ratio is below this (default 1e-5)...' },
      // ...and the epoch improved the loss by less than this share (a slow but useful rate still shows progress).
      improvement: { default: 0.01, minimum: 0, maximum: 1, description: '...and the last epoch lowered the loss by less than this fraction (default 0.01)' },
    },
  },
  loss_not_decreasing: {
    when: 'epoch',
    thresholds: {
      // Three epochs: one flat epoch is common noise, three in a row is a plateau (Keras's ReduceLROnPlateau examples use 2-10).
      patience: { default: 3, minimum: 1, maximum: 1000, description: 'Epochs without improvement before raising (default 3)' },
      // 1% of the loss: smaller gains over several whole epochs are not worth the compute.
      minImprovement: {
        default: 0.01,
        minimum: 0,
        maximum: 1,
        description: 'An improvement smaller than this fraction of the best loss does not count (default 0.01)',
      },
      // Sooner than a plateau: a loss still at chance level after two whole epochs is not learning (a healthy net leaves it within the first).
      chanceEpochs: {
        default: 2,
        minimum: 1,
        maximum: 1000,
        description: 'Raise when the loss of this many epochs in a row is still at chance level (default 2)',
      },
      chanceMargin: {
        default: 0.02,
        minimum: 0,
        maximum: 1,
        description:
          'At chance level: within this fraction, either way, of the loss of a model that learned nothing, e.g. ln(10) for 10 classes (default 0.02)',
      },
    },
  },
  overfitting: {
    when: 'epoch',
    thresholds: {
      // Two epochs past the best: one worse epoch is often noise on a small validation set.
      patience: { default: 2, minimum: 1, maximum: 1000, description: 'Epochs since the best validation loss before raising (default 2)' },
      // 10% above the best: validation noise on a few hundred samples is a few percent.
      rise: { default: 0.1, minimum: 0, maximum: 100, description: 'Raise when the validation loss is this fraction above its best (default 0.1)' },
    },
  },
} as const satisfies Record<string, RuleEntry>;

export type RuleKind = keyof typeof DIAGNOSIS_RULES;
export const RULE_KINDS = Object.keys(DIAGNOSIS_RULES) as RuleKind[];

/** The names of one rule's thresholds. */
export type ThresholdName<K extends RuleKind> = keyof (typeof DIAGNOSIS_RULES)[K]['thresholds'] & string;

/** Warnings raised by checks of the spec alone, outside the rules. */
export const SPEC_WARNING_KINDS = ['self_normalization'] as const;

export type WarningKind = RuleKind | (typeof SPEC_WARNING_KINDS)[number];
/** Every kind a training warning can have. */
export const WARNING_KINDS: readonly WarningKind[] = [...RULE_KINDS, ...SPEC_WARNING_KINDS];
