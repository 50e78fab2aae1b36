import { Type, type Static } from 'typebox';
import { JOB_STATUSES } from './job.js';
import { JobSpec } from './job-spec.js';
import { LiteralUnion } from './common.js';

/** What a study ranks its trials by: a Keras history key. */
export const STUDY_METRICS = ['val_loss', 'val_accuracy', 'loss', 'accuracy'] as const;
/** How a configuration is tested against the best: the paired t-test or the Wilcoxon signed-rank test. */
export const STUDY_TESTS = ['t', 'wilcoxon'] as const;
/** The largest study seed: seed + repeat stays a 32-bit integer. */
export const MAX_STUDY_SEED = 2_000_000_000;
/** The studies the service ships, by name. */
export const PRESET_NAMES = ['chapter-11'] as const;

const METHOD_DOC = { description: 'grid, random or asha' };
const METRIC_DOC = { description: 'The per-epoch metric trials are ranked by' };
const MODE_DOC = { description: 'min: lower is better; max: higher is better' };

const nullable = <T extends import('typebox').TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });

export const STUDY_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export const StudyStatus = LiteralUnion(STUDY_STATUSES, { description: 'running -> succeeded (some trial succeeded) | failed (none did) | cancelled' });

export const StudyRequest = Type.Object(
  {
    preset: Type.Optional(
      LiteralUnion(PRESET_NAMES, {
        description: 'A ready-made study; with it, give no `base`/`parameters`/`method` (name, repeats and maxConcurrent may still be set)',
      }),
    ),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'A label for the study; trial jobs are named after it' })),
    base: Type.Optional(Type.With(JobSpec, { description: 'The job spec every trial starts from' })),
    parameters: Type.Optional(
      Type.Record(Type.String({ maxLength: 500 }), Type.Unknown(), {
        description:
          'What to vary. `"<JSON Pointer into the spec>": [values]` (null removes the field) or `{ uniform | loguniform | int: [min, max] }`; a key that is not a pointer is a named parameter: `"technique": { "<value name>": { "<pointer>": value, ... } }` sets several fields at once. Applied in the order written.',
      }),
    ),
    method: Type.Optional(
      LiteralUnion(['grid', 'random', 'asha'], {
        description: '`grid`: every combination; `random`: `trials` seeded draws; `asha`: grid or draws, with the worse trials stopped early at rungs',
      }),
    ),
    trials: Type.Optional(Type.Integer({ minimum: 1, description: 'Configurations to draw (random; asha with distributions)' })),
    repeats: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description:
          "Runs of each configuration, default 1. Repeat r of every configuration trains with fit.seed + r (the base's fit.seed, else the study's seed) and, with repeats, dataset.seed + r: the same seeds across configurations, so comparisons are paired",
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_STUDY_SEED,
        description:
          "The study's seed: the random sampler's, and the repeats' fit.seed when the base has none; chosen by the service (and shown) when left out",
      }),
    ),
    metric: Type.Optional(
      LiteralUnion(STUDY_METRICS, { description: "Ranked by its value at each trial's last epoch; default val_loss with validation, else loss" }),
    ),
    mode: Type.Optional(LiteralUnion(['min', 'max'], { description: 'Better is lower (min) or higher (max); default max for accuracies, min for losses' })),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Trial jobs queued or running at once, default 4' })),
    asha: Type.Optional(
      Type.Object(
        {
          gracePeriod: Type.Optional(Type.Integer({ minimum: 1, description: 'First rung (epochs), default 1' })),
          reductionFactor: Type.Optional(
            Type.Integer({ minimum: 2, maximum: 16, description: 'eta: the best 1/eta of the trials at a rung go on, default 2' }),
          ),
        },
        { additionalProperties: false, description: 'ASHA settings: rungs at gracePeriod * eta^k epochs' },
      ),
    ),
  },
  { additionalProperties: false, title: 'StudyRequest', description: 'A study: trial jobs made from a base spec and the parameters to vary, or a preset' },
);
export type StudyRequest = Static<typeof StudyRequest>;

export const StudyCreated = Type.Object(
  {
    id: Type.String({ description: 'Study id (UUID)' }),
    status: StudyStatus,
    trials: Type.Integer({ description: 'How many trial jobs it plans' }),
  },
  { title: 'StudyCreated' },
);

export const TRIAL_STATUSES = ['pending', ...JOB_STATUSES, 'stopped'] as const;

export const Trial = Type.Object(
  {
    index: Type.Integer({ description: 'Order in the plan (repeat by repeat)' }),
    jobId: nullable(Type.String(), 'Its job (GET /jobs/{id}); null while pending, or when the study ended before it started'),
    parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'Parameter -> the value it took (a named parameter shows the name)' }),
    repeat: Type.Integer({
      description: "0-based repeat r: it trains with fit.seed + r (the base's, else the study's seed), as every configuration's repeat r does",
    }),
    status: LiteralUnion(TRIAL_STATUSES, {
      description: "pending (not queued yet), the job's status, or stopped (ASHA stopped it at a rung; its job ends cancelled)",
    }),
    value: nullable(Type.Number(), 'The metric at its last finished epoch'),
    epochs: Type.Integer({ description: 'Epochs finished' }),
    stoppedAtEpoch: nullable(Type.Integer(), 'For a stopped trial: the rung epoch it stopped at'),
  },
  { title: 'StudyTrial' },
);

const Interval = Type.Tuple([Type.Number(), Type.Number()], { description: '[low, high]' });

export const RankingEntry = Type.Object(
  {
    parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'The configuration: parameter -> value' }),
    mean: nullable(Type.Number(), 'Mean of the metric over its succeeded trials; null when none succeeded'),
    std: nullable(Type.Number(), 'Sample standard deviation over them (n - 1); null below 2, where there is none'),
    n: Type.Integer({ description: 'Succeeded trials counted' }),
    ci95: nullable(Interval, "95% confidence interval of the mean (Student's t, n - 1 degrees of freedom); null when n < 2"),
    vsBest: nullable(
      Type.Object(
        {
          diff: Type.Number({ description: "Mean over the repeats of (this configuration's metric - the best's), paired by repeat seed" }),
          ci95: nullable(Interval, 'Its 95% t interval; null below 2 pairs'),
          pValue: nullable(Type.Number(), 'Two-sided p-value of `test` (paired t-test by default); null below 2 pairs or when every pair is equal'),
          n: Type.Integer({ description: 'Pairs compared: repeats both configurations finished' }),
          test: LiteralUnion(STUDY_TESTS, { description: 't: paired t-test; wilcoxon: Wilcoxon signed-rank test (exact up to 50 pairs)' }),
          distinguishable: Type.Boolean({ description: 'pValue < 0.05 (not corrected for the number of comparisons)' }),
        },
        { title: 'StudyComparison' },
      ),
      'Against the best configuration; null for the best itself and for a configuration with no result',
    ),
    stopped: Type.Integer({ description: 'Trials ASHA stopped early (not in the mean)' }),
    failed: Type.Integer({ description: 'Trials that failed (not in the mean)' }),
    warnings: Type.Record(Type.String(), Type.Integer(), { description: 'Warning kind -> in how many of its runs it appeared' }),
    warningSummary: Type.Array(Type.String(), { description: 'The same in words, e.g. "sigmoid + glorot_uniform: vanishing_gradients in 3/3 seeds"' }),
  },
  { title: 'StudyRankingEntry' },
);

/** What a study is, as both the listing and the full answer show it. */
const studyHeader = {
  id: Type.String({ description: 'Study id (UUID)' }),
  name: nullable(Type.String(), "The study's name"),
  status: StudyStatus,
  method: LiteralUnion(['grid', 'random', 'asha'], METHOD_DOC),
  metric: LiteralUnion(STUDY_METRICS, METRIC_DOC),
  mode: LiteralUnion(['min', 'max'], MODE_DOC),
  preset: nullable(Type.String(), 'The preset it came from'),
  createdAt: Type.String({ format: 'date-time', description: 'When it was accepted (ISO 8601)' }),
  finishedAt: nullable(Type.String({ format: 'date-time' }), 'When its last trial ended'),
};

export const Study = Type.Object(
  {
    ...studyHeader,
    maxConcurrent: Type.Integer({ description: 'Trial jobs queued or running at once' }),
    counts: Type.Record(Type.String(), Type.Integer(), { description: 'Trials per status' }),
    trials: Type.Array(Trial, { description: 'Every planned trial, in plan order' }),
    ranking: Type.Array(RankingEntry, { description: 'Configurations, best first, by mean over repeats' }),
    best: nullable(RankingEntry, 'The best configuration so far; null before any trial succeeded'),
    effects: Type.Record(
      Type.String(),
      Type.Array(
        Type.Object({
          value: Type.Unknown({ description: 'A value the parameter took' }),
          mean: Type.Number({ description: 'Mean metric over the succeeded trials with it' }),
          n: Type.Integer({ description: 'How many trials that is' }),
          ci95: nullable(Interval, 'Its 95% t interval; null when n < 2'),
        }),
      ),
      { description: 'Parameter -> the mean metric over every succeeded trial that took each value' },
    ),
    importance: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), {
      description:
        "Parameter -> the share of the metric's variance it explains: eta squared, the between-values sum of squares over the total, over every succeeded trial; null where the metric did not vary",
    }),
    bestDistinguishable: nullable(
      Type.Boolean(),
      "Whether every other configuration's vsBest is distinguishable; null with fewer than two configurations with results",
    ),
    test: LiteralUnion(STUDY_TESTS, { description: 'The test behind every vsBest.pValue (`?test=` on GET /studies/{id}, default t)' }),
    seed: nullable(Type.Integer(), "The study's seed (given or chosen); null for a study made before seeds were stored"),
    metricNote: Type.String({ description: 'Why the study ranks by `metric`: asked for, or the default for its base spec' }),
  },
  { title: 'Study' },
);
export type Study = Static<typeof Study>;

export const StudySummary = Type.Object(
  {
    ...studyHeader,
    trials: Type.Integer({ description: 'Trial jobs planned' }),
  },
  { title: 'StudySummary' },
);

export const StudyQuery = Type.Object({
  test: Type.Optional(
    LiteralUnion(STUDY_TESTS, { description: 'The test for each configuration against the best: t (paired t-test, default) or wilcoxon (signed-rank)' }),
  ),
});

export const StudyListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100, default 20' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
});
