/**
 * Expands a study into trial specs: configurations from the parameters (grid or seeded random
 * sampling), each repeated with its own seeds, each a complete job spec. Pure: the service
 * validates every spec as POST /jobs would before anything is queued.
 */
import { mulberry32, randomInt, type Rng } from '../core/random.js';
import type { SpecProblem } from '../core/problems.js';
import { gridSize, parameterPath, parseParameters, type Distribution, type Domain } from './parameters.js';
import { setAt, whyNotSettable } from './pointer.js';

export type StudyMethod = 'grid' | 'random' | 'asha';

export interface StudyPlanRequest {
  name?: string;
  base: object;
  parameters: Record<string, unknown>;
  method: StudyMethod;
  /** Configurations to sample (random; asha with distributions). */
  trials?: number;
  /** Runs of each configuration, each with its own seeds. */
  repeats?: number;
  /** The study's seed: the random sampler's, and the repeats' fit.seed where the base has none (default 0). */
  seed?: number;
  /** The most trial jobs one study may plan (MAX_STUDY_TRIALS). */
  maxTrials: number;
}

/** One point of the search space. */
export interface Configuration {
  /** Parameter key -> what it took: the value, or a named value's name. */
  parameters: Record<string, unknown>;
  /** The fields it sets, in the order the parameters were written. */
  assignments: Array<{ at: string; pointer: string; value: unknown }>;
}

/** One trial job: a configuration in one repeat. */
export interface TrialPlan {
  index: number;
  configuration: number;
  repeat: number;
  parameters: Record<string, unknown>;
  spec: Record<string, unknown>;
}

export interface StudyPlan {
  configurations: Configuration[];
  trials: TrialPlan[];
}

/**
 * The study's trials, or the problems that stop it (each naming its field). Trials come
 * repeat by repeat (every configuration once, then again with the next seeds), so a study's
 * first results already cover the whole space.
 */
export function planStudy(req: StudyPlanRequest): { plan: StudyPlan; problems: [] } | { plan?: undefined; problems: SpecProblem[] } {
  const { domains, problems } = parseParameters(req.parameters);
  if (problems.length) return { problems };
  const repeats = req.repeats ?? 1;
  const sampled = req.method === 'random' || (req.method === 'asha' && (req.trials !== undefined || domains.some((d) => gridSize(d) === null)));

  let configurations: Configuration[];
  if (sampled) {
    if (req.trials === undefined)
      return { problems: [{ path: '/trials', message: `method "${req.method}" with distributions samples \`trials\` configurations; give trials` }] };
    if (req.trials * repeats > req.maxTrials) {
      return {
        problems: [
          {
            path: '/trials',
            message: `${req.trials} configurations x ${repeats} repeats = ${req.trials * repeats} trial jobs; the limit is ${req.maxTrials} (MAX_STUDY_TRIALS)`,
          },
        ],
      };
    }
    const rng = mulberry32(req.seed ?? 0);
    configurations = Array.from({ length: req.trials }, () => sample(domains, rng));
  } else {
    const sizes = domains.map((d) => gridSize(d));
    const distribution = domains.find((d) => gridSize(d) === null);
    if (distribution) {
      return {
        problems: [
          {
            path: parameterPath(distribution.key),
            message: 'a distribution is sampled, not put on a grid; use method "random" (or "asha") with `trials`, or give a list of values',
          },
        ],
      };
    }
    if (req.trials !== undefined)
      return { problems: [{ path: '/trials', message: 'a grid runs every combination; `trials` is for method "random" or "asha"' }] };
    const count = (sizes as number[]).reduce((a, b) => a * b, 1);
    if (count * repeats > req.maxTrials) {
      const shape = (sizes as number[]).join(' x ');
      return {
        problems: [
          {
            path: '/parameters',
            message: `the grid has ${shape} = ${count} configurations x ${repeats} repeats = ${count * repeats} trial jobs; the limit is ${req.maxTrials} (MAX_STUDY_TRIALS)`,
          },
        ],
      };
    }
    configurations = grid(domains);
  }

  const trials: TrialPlan[] = [];
  const seen = new Set<string>();
  const specProblems: SpecProblem[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    configurations.forEach((configuration, c) => {
      const built = buildSpec(req.base, configuration, repeat, repeats, req.seed ?? 0);
      for (const p of built.problems) {
        const key = `${p.path}|${p.message}`;
        if (!seen.has(key)) specProblems.push(p);
        seen.add(key);
      }
      const name = `${req.name ?? (req.base as { name?: string }).name ?? 'study'} #${trials.length + 1}`.slice(0, 200);
      trials.push({ index: trials.length, configuration: c, repeat, parameters: configuration.parameters, spec: { ...built.spec, name } });
    });
  }
  if (specProblems.length) return { problems: specProblems };
  return { plan: { configurations, trials }, problems: [] };
}

/** Every combination, the first parameter varying slowest. */
function grid(domains: Domain[]): Configuration[] {
  let configurations: Configuration[] = [{ parameters: {}, assignments: [] }];
  for (const domain of domains) {
    const options = choicesOf(domain);
    configurations = configurations.flatMap((c) =>
      options.map((o) => ({ parameters: { ...c.parameters, [domain.key]: o.shown }, assignments: [...c.assignments, ...o.assignments] })),
    );
  }
  return configurations;
}

type Choice = { shown: unknown; assignments: Configuration['assignments'] };

function choicesOf(domain: Domain): Choice[] {
  if (domain.kind === 'list')
    return domain.values.map((value) => ({ shown: value, assignments: [{ at: parameterPath(domain.key), pointer: domain.key, value }] }));
  if (domain.kind === 'named') {
    return domain.choices.map((c) => ({
      shown: c.name,
      assignments: c.set.map(([pointer, value]) => ({ at: parameterPath(domain.key, c.name, pointer), pointer, value })),
    }));
  }
  throw new Error('a distribution has no grid values');
}

/** One random configuration: each parameter drawn on its own. */
function sample(domains: Domain[], rng: Rng): Configuration {
  const configuration: Configuration = { parameters: {}, assignments: [] };
  for (const domain of domains) {
    let choice: Choice;
    if (domain.kind === 'distribution') {
      const value = draw(domain.distribution, rng);
      choice = { shown: value, assignments: [{ at: parameterPath(domain.key), pointer: domain.key, value }] };
    } else {
      const options = choicesOf(domain);
      choice = options[randomInt(rng, options.length)];
    }
    configuration.parameters[domain.key] = choice.shown;
    configuration.assignments.push(...choice.assignments);
  }
  return configuration;
}

/** A draw from a distribution, kept to 6 significant digits so tables stay readable. */
export function draw(distribution: Distribution, rng: Rng): number {
  const round = (x: number) => Number(x.toPrecision(6));
  if ('uniform' in distribution) {
    const [a, b] = distribution.uniform;
    return round(a + rng() * (b - a));
  }
  if ('loguniform' in distribution) {
    const [a, b] = distribution.loguniform;
    return round(Math.exp(Math.log(a) + rng() * (Math.log(b) - Math.log(a))));
  }
  const [a, b] = distribution.int;
  return a + randomInt(rng, b - a + 1);
}

/**
 * The base spec with this repeat's seeds and then the configuration's fields, set in order.
 * Repeat r of every configuration trains with the same fit.seed, the base's (or else the
 * study's) + r, so the comparison across configurations is paired, and a trial never falls back
 * on a seed chosen per job. With repeats, dataset.seed (base's or study's) + r also draws each
 * repeat's own `limit` sample. A parameter that sets a seed itself wins.
 */
function buildSpec(
  base: object,
  configuration: Configuration,
  repeat: number,
  repeats: number,
  studySeed: number,
): { spec: Record<string, unknown>; problems: SpecProblem[] } {
  const spec = structuredClone(base) as Record<string, any>;
  if (spec.fit && typeof spec.fit === 'object') spec.fit.seed = (spec.fit.seed ?? studySeed) + repeat;
  if (repeats > 1 && spec.dataset && typeof spec.dataset === 'object') spec.dataset.seed = (spec.dataset.seed ?? studySeed) + repeat;
  const problems: SpecProblem[] = [];
  for (const { at, pointer, value } of configuration.assignments) {
    const why = whyNotSettable(spec, pointer);
    if (why) problems.push({ path: at, message: why });
    else setAt(spec, pointer, value);
  }
  return { spec, problems };
}
