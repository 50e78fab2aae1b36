import type { Principal } from '../../core/principal.js';
import type { Config } from '../../infra/config.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Db } from '../../infra/db/prisma.js';
import { sizeLayers } from '../../training/sizing/param-estimate.js';
import { UNKNOWN_LAYER_VALUES } from '../../training/sizing/step-memory.js';
import { channelShape, sameShape } from '../../training/model/shapes.js';
import type { CheckContext } from '../../training/checks/check-spec.js';
import { modelCheckInput, type ModelCheckInput } from '../../training/checks/model-check-input.js';
import type { TrainingWarning } from '../../core/run-types.js';
import type { SpecProblem } from '../../core/problems.js';
import { describeDatasetRef, type DatasetShape } from '../datasets/datasets.js';
import { isUuid } from '../../core/ids.js';
import type { ThreadPool } from '../../threads/pool.js';
import { baseModelInfo } from '../models/models.js';
import { SpecCheckCache } from './model-check-cache.js';
import { checkMemory } from './memory-check.js';

type BaseInfo = NonNullable<Awaited<ReturnType<typeof baseModelInfo>>>;

type ModelCheckResult = { problems: SpecProblem[]; warnings: TrainingWarning[] };

/** Builds the spec's model to check it (tfjs): in the API's worker-thread pool, or here by default. */
export type ModelCheck = (spec: ModelCheckInput, ctx: CheckContext) => Promise<ModelCheckResult>;

/** One check function per pool, so its cache lives as long as the pool. */
const poolChecks = new WeakMap<ThreadPool, ModelCheck>();

/** The check run in the API's worker-thread pool (when there is one), off the event loop. */
export const checkInPool = (threads: ThreadPool | undefined): ModelCheck | undefined => {
  if (!threads) return undefined;
  let check = poolChecks.get(threads);
  if (!check) poolChecks.set(threads, (check = (spec, ctx) => threads.run('checkSpec', { spec, ctx })));
  return check;
};

/** Results per check function (the pool's, or {@link checkHere}): see {@link SpecCheckCache}. */
const caches = new WeakMap<ModelCheck, SpecCheckCache<ModelCheckResult>>();

/** `check`'s result for this input, from its cache when the same input was checked before. */
export function cachedModelCheck(check: ModelCheck, spec: ModelCheckInput, ctx: CheckContext): Promise<ModelCheckResult> {
  let cache = caches.get(check);
  if (!cache) caches.set(check, (cache = new SpecCheckCache<ModelCheckResult>()));
  return cache.get(SpecCheckCache.keyOf([spec, ctx]), () => check(spec, ctx));
}

async function checkHere(spec: ModelCheckInput, ctx: CheckContext) {
  const { checkModelSpec } = await import('../../training/checks/check-spec.js');
  const { checkSelfNormalization } = await import('../../training/checks/selu-check.js');
  const problems = checkModelSpec(spec, ctx);
  return { problems, warnings: problems.length === 0 ? checkSelfNormalization(spec) : [] };
}

/**
 * Everything a JSON schema cannot see, found before the job is queued: configured limits,
 * datasets that exist and agree in shape, labels where the task needs them, the base model, and
 * a model that actually builds. Returns the problems (each naming its field) and early warnings;
 * `unknown` lists the references (datasets, base model) to nothing the caller may use, which
 * the API answers with 404 rather than 400 (another tenant's ids look exactly like missing ones).
 */
export async function checkJobSpec(
  db: Db,
  config: Config,
  spec: JobSpec,
  who: Principal,
  /** Where the spec's model is built (tfjs): the API's worker-thread pool; default here. */
  modelCheck: ModelCheck = checkHere,
): Promise<{ problems: SpecProblem[]; warnings: TrainingWarning[]; unknown: SpecProblem[] }> {
  const problems = checkLimits(config, spec);
  const data = await checkData(db, spec, who);
  problems.push(...data.problems);
  const unknown = [...data.unknown];
  let base: BaseInfo | undefined;
  if (spec.base) {
    base = (isUuid(spec.base.modelId) && (await baseModelInfo(db, spec.base.modelId, who))) || undefined;
    if (!base) {
      const missing = { path: '/base/modelId', message: `no model with id ${spec.base.modelId}` };
      problems.push(missing);
      unknown.push(missing);
    }
  }
  if (!data.shape) return { problems, warnings: [], unknown };
  // Grey images are read with a channel axis when the model's input has one.
  const shape = { ...data.shape, featureShape: channelShape(data.shape.featureShape, base ? base.inputShape : spec.model.layers[0]?.inputShape) };

  if (base && !sameShape(base.inputShape, shape.featureShape)) {
    problems.push({ path: '/dataset', message: `the base model expects samples of shape [${base.inputShape}], the dataset has [${shape.featureShape}]` });
  }
  // Counted from the spec alone, before anything is allocated: an absurd model must not take
  // the API's memory down while being checked.
  const dropLast = spec.base?.dropLast ?? 0;
  const stack = sizeLayers(spec.model.layers, base ? base.outputShapeAfterDrop(dropLast) : shape.featureShape);
  const params = stack.params + (base?.paramsAfterDrop(dropLast) ?? 0);
  if (params > config.MAX_PARAMS) {
    problems.push({
      path: '/model/layers',
      message: `the model would have ${params.toLocaleString('en')} parameters; the limit is ${config.MAX_PARAMS.toLocaleString('en')} (MAX_PARAMS)`,
    });
  } else {
    // A base model's layers are known by their output sizes only.
    const stepValuesPerSample = stack.stepValuesPerSample + UNKNOWN_LAYER_VALUES * (base?.activationsAfterDrop(dropLast) ?? 0);
    const featureValues = shape.featureShape.reduce((a, b) => a * b, 1);
    problems.push(
      ...checkMemory(config, spec, {
        params,
        stepValuesPerSample,
        samples: shape.samples,
        featureValues,
        classes: shape.classes,
        otherSamples: data.otherSamples,
      }),
    );
  }
  if (problems.length > 0) return { problems, warnings: [], unknown };

  // Loading tfjs is costly; only a spec that passed everything above gets built. Only plain
  // values cross to the pool's threads (baseModelInfo's helpers are functions).
  const baseFacts = base && {
    inputShape: base.inputShape,
    outputShape: base.outputShape,
    layerNames: base.layerNames,
    layerCount: base.layerCount,
    layerOutputShapes: base.layerOutputShapes,
  };
  const built = await cachedModelCheck(modelCheck, modelCheckInput(spec), { inputShape: shape.featureShape, classes: shape.classes, base: baseFacts });
  return { ...built, unknown };
}

function checkLimits(config: Config, spec: JobSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const epochs = spec.fit.epochs + (spec.fineTune?.epochs ?? 0);
  if (epochs > config.MAX_EPOCHS) problems.push({ path: '/fit/epochs', message: `${epochs} epochs in all; the limit is ${config.MAX_EPOCHS} (MAX_EPOCHS)` });
  if (spec.model.layers.length > config.MAX_LAYERS) {
    problems.push({ path: '/model/layers', message: `${spec.model.layers.length} layers; the limit is ${config.MAX_LAYERS} (MAX_LAYERS)` });
  }
  return problems;
}

/** The training data's shape, and problems with it or with the validation/evaluation data. */
async function checkData(
  db: Db,
  spec: JobSpec,
  who: Principal,
): Promise<{ shape?: DatasetShape; otherSamples: number; problems: SpecProblem[]; unknown: SpecProblem[] }> {
  const autoencoder = spec.task === 'autoencoder';
  const train = await describeDatasetRef(db, spec.dataset, '/dataset', who);
  const problems = [...train.problems];
  const unknown = train.unknown ? [train.unknown] : [];
  const others: Array<[string, DatasetShape | undefined]> = [];
  if (spec.validation && (spec.validation.split === undefined) === (spec.validation.dataset === undefined)) {
    problems.push({ path: '/validation', message: 'give exactly one of `split` (a fraction such as 0.1) or `dataset`' });
  }
  for (const [path, ref] of [
    ['/validation/dataset', spec.validation?.dataset],
    ['/evaluate/dataset', spec.evaluate?.dataset],
  ] as const) {
    if (!ref) continue;
    const other = await describeDatasetRef(db, ref, path, who);
    problems.push(...other.problems);
    if (other.unknown) unknown.push(other.unknown);
    others.push([path, other.shape]);
  }
  const shape = train.shape;
  // The validation and evaluation data are held in the training process too.
  const otherSamples = others.reduce((n, [, other]) => n + (other?.samples ?? 0), 0);
  if (!shape) return { otherSamples, problems, unknown };

  if (!autoencoder && !shape.labeled) {
    problems.push({ path: '/dataset', message: 'the dataset has no labels; upload it with labels, or use `task: "autoencoder"`' });
  }
  for (const [path, other] of others) {
    if (!other) continue;
    if (!sameShape(other.featureShape, shape.featureShape)) {
      problems.push({ path, message: `its samples have shape [${other.featureShape}], the training data [${shape.featureShape}]` });
    }
    if (!autoencoder && other.classes !== shape.classes) {
      problems.push({ path, message: `it has ${other.classes} classes, the training data ${shape.classes}; use \`classes\` to select the same ones` });
    }
    if (!autoencoder && !other.labeled) problems.push({ path, message: 'it has no labels' });
  }
  if (spec.validation?.split !== undefined && Math.floor(shape.samples * (1 - spec.validation.split)) < 1) {
    problems.push({ path: '/validation/split', message: `leaves no training samples out of ${shape.samples}` });
  }
  return { shape, otherSamples, problems, unknown };
}
