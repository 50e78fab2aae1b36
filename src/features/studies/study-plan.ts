/**
 * From a POST /studies body to a checked plan: the preset or the user's study, defaults, the
 * expansion into trial specs, and every trial spec through the same checks as POST /jobs
 * (schema, then the semantic checks) before anything is stored or queued.
 */
import type { Config } from '../../infra/config.js';
import type { Principal } from '../../core/principal.js';
import { ServiceError, invalid } from '../../core/errors.js';
import { describeAjvError } from '../../schemas/ajv.js';
import { jobSpecValidator } from '../../schemas/job-spec-validator.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import { randomInt } from 'node:crypto';
import { MAX_STUDY_SEED, type StudyRequest } from '../../schemas/study.js';
import { DEFAULT_ASHA, type AshaSettings, type Mode } from '../../studies/asha.js';
import { planStudy, type Configuration, type StudyMethod } from '../../studies/expand.js';
import { defaultMetric, defaultMode, metricProblem, type StudyMetric } from '../../studies/metric.js';
import { preset } from '../../studies/presets.js';
import { valueLabel } from '../../studies/values.js';
import type { Db } from '../../infra/db/prisma.js';
import { type TrainingWarning } from '../../core/run-types.js';
import { SpecError, type SpecProblem } from '../../core/problems.js';
import { checkInPool, checkJobSpec } from '../jobs/model-check.js';
import type { ThreadPool } from '../../threads/pool.js';

/** One trial as stored in the study's plan. */
export interface PlannedTrial {
  index: number;
  configuration: number;
  repeat: number;
  parameters: Record<string, unknown>;
  spec: JobSpec;
  /** Spec-level warnings found when the spec was checked (as POST /jobs records them). */
  warnings: TrainingWarning[];
}

export interface CheckedStudy {
  name: string | null;
  /** The study's seed: given, or chosen here (and stored) so the study can be run again as it was. */
  seed: number;
  preset: string | null;
  method: StudyMethod;
  metric: StudyMetric;
  mode: Mode;
  maxConcurrent: number;
  asha: AshaSettings | null;
  trials: PlannedTrial[];
}

export const DEFAULT_MAX_CONCURRENT = 4;
const PRESET_ONLY_FIELDS = ['base', 'parameters', 'method', 'trials', 'seed', 'metric', 'mode', 'asha'] as const;

/** Checks a study request and expands it; throws a 400 naming the field for anything that would not run. */
export async function checkStudy(db: Db, config: Config, who: Principal, body: StudyRequest, threads?: ThreadPool): Promise<CheckedStudy> {
  const request = resolvePreset(body);
  const { base, parameters, method } = request;
  const missing = (['base', 'parameters', 'method'] as const).filter((k) => request[k] === undefined);
  if (missing.length)
    throw invalid(
      `a study needs ${missing.join(', ')} (or a \`preset\`)`,
      missing.map((k) => ({ path: `/${k}`, message: 'is required' })),
    );
  const metric = request.metric ?? defaultMetric(base!);
  const bad = metricProblem(base!, metric);
  if (bad) throw invalid(`${bad.path}: ${bad.message}`, [bad]);

  const seed = request.seed ?? randomInt(MAX_STUDY_SEED + 1);
  const expanded = planStudy({
    name: request.name,
    base: base!,
    parameters: parameters!,
    method: method!,
    trials: request.trials,
    repeats: request.repeats,
    seed,
    maxTrials: config.MAX_STUDY_TRIALS,
  });
  if (!expanded.plan) throw new SpecError(`the study cannot run: ${expanded.problems[0].path}: ${expanded.problems[0].message}`, expanded.problems);

  // Seeds never change whether a spec trains: each configuration's specs are checked in full
  // once (datasets, shapes, a model that builds), and every spec passes the schema.
  const warningsByConfiguration = new Map<number, TrainingWarning[]>();
  const trials: PlannedTrial[] = [];
  for (const trial of expanded.plan.trials) {
    const configuration = expanded.plan.configurations[trial.configuration];
    const spec = trial.spec;
    const validate = jobSpecValidator();
    if (!validate(spec))
      throw trialProblem(
        configuration,
        (validate.errors ?? []).map((e) => describeAjvError(e as never, 'body')),
      );
    if (!warningsByConfiguration.has(trial.configuration)) {
      const { problems, warnings, unknown } = await checkJobSpec(db, config, spec as JobSpec, who, checkInPool(threads));
      // As for POST /jobs: a dataset or base model the caller may not use is a 404.
      if (unknown.length) {
        const details = onStudyFields(configuration, unknown);
        throw new ServiceError('not_found', `a trial spec refers to something that does not exist: ${details[0].path}: ${details[0].message}`, details);
      }
      if (problems.length) throw trialProblem(configuration, problems);
      warningsByConfiguration.set(trial.configuration, warnings);
    }
    trials.push({ ...trial, spec: spec as JobSpec, warnings: warningsByConfiguration.get(trial.configuration)! });
  }
  return {
    name: request.name ?? null,
    seed,
    preset: body.preset ?? null,
    method: method!,
    metric,
    mode: request.mode ?? defaultMode(metric),
    maxConcurrent: request.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    asha: method === 'asha' ? { ...DEFAULT_ASHA, ...request.asha } : null,
    trials,
  };
}

/** A preset fills in everything but name, repeats and maxConcurrent; giving the rest as well is a 400. */
function resolvePreset(body: StudyRequest): Omit<StudyRequest, 'base'> & { base?: JobSpec } {
  if (!body.preset) return body;
  const clashing = PRESET_ONLY_FIELDS.filter((k) => body[k] !== undefined);
  if (clashing.length) {
    throw invalid(
      `a preset sets ${clashing.join(', ')} itself; leave them out (name, repeats and maxConcurrent may be given)`,
      clashing.map((k) => ({ path: `/${k}`, message: `not allowed with preset "${body.preset}"` })),
    );
  }
  const p = preset(body.preset);
  return { ...p, base: p.base as JobSpec, name: body.name ?? p.name, repeats: body.repeats ?? p.repeats, maxConcurrent: body.maxConcurrent ?? p.maxConcurrent };
}

/**
 * A trial spec that would not train, as a 400 on the study's own fields: a problem at or under
 * a field the configuration set names that parameter; anything else lies in the base spec.
 */
function trialProblem(configuration: Configuration, problems: SpecProblem[]): SpecError {
  const details = onStudyFields(configuration, problems);
  return new SpecError(`a trial spec is invalid: ${details[0].path}: ${details[0].message}`, details);
}

/** Problems found in a trial spec, moved onto the study's own fields (the parameter that set it, or /base). */
function onStudyFields(configuration: Configuration, problems: SpecProblem[]): SpecProblem[] {
  const shown = Object.entries(configuration.parameters)
    .map(([k, v]) => `${k} = ${valueLabel(v)}`)
    .join(', ');
  return problems.map((p) => {
    const culprit = [...configuration.assignments]
      .reverse()
      .find((a) => p.path === a.pointer || p.path.startsWith(`${a.pointer}/`) || a.pointer.startsWith(`${p.path}/`));
    return culprit
      ? { path: culprit.at, message: `${short(culprit.value)} makes an invalid job spec: ${p.path}: ${p.message}` }
      : { path: `/base${p.path}`, message: `${p.message} (in the trial with ${shown})` };
  });
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
