/**
 * POST /jobs/:id/retry: a new job from an old job's spec, with the fixes of its warnings and/or a
 * patch of the user's own applied, checked exactly as a POST /jobs spec is (schema, then
 * check-job), and recording which job it retries.
 */
import { ownedBy, type Principal } from '../../core/principal.js';
import type { Config } from '../../infra/config.js';
import { invalid, notFound } from '../../core/errors.js';
import type { TrainQueue } from '../../infra/queue/train-queue.js';
import { describeAjvError } from '../../schemas/ajv.js';
import { jobSpecValidator } from '../../schemas/job-spec-validator.js';
import type { JobSpec } from '../../schemas/job-spec.js';
import type { Static } from 'typebox';
import type { RetryBody, RetryCreated, RunEnvironment } from '../../schemas/job.js';
import { replayIsExact } from '../../training/backend/replay.js';
import type { Db } from '../../infra/db/prisma.js';
import type { ThreadPool } from '../../threads/pool.js';
import { applySpecPatch, fixesOf, PatchError } from '../../training/diagnosis/patch.js';
import type { SpecPatchOp } from '../../core/run-types.js';
import { isUuid } from '../../core/ids.js';
import { storedWarnings, submitJob } from './jobs.js';

export async function retryJob(
  deps: { db: Db; queue: TrainQueue; config: Config; threads?: ThreadPool },
  who: Principal,
  id: string,
  body: Static<typeof RetryBody>,
): Promise<Static<typeof RetryCreated>> {
  if (!isUuid(id)) throw notFound('Job', id);
  // Another tenant's job is as unknown as a missing one.
  const run = await deps.db.run.findFirst({
    where: { id, ...ownedBy(who) },
    select: { spec: true, warnings: true, diagnosticWarnings: true, backend: true, environment: true },
  });
  if (!run) throw notFound('Job', id);
  let spec = run.spec as JobSpec;
  try {
    if (body.applyFixes) {
      const fixes = fixesOf(storedWarnings(run.warnings, run.diagnosticWarnings), body.applyFixes);
      spec = applySpecPatch(spec, fixes, '/applyFixes') as JobSpec;
    }
    if (body.patch) spec = applySpecPatch(spec, body.patch as SpecPatchOp[], '/patch') as JobSpec;
  } catch (err) {
    if (err instanceof PatchError) throw invalid(`the patch does not apply: ${err.problem.path}: ${err.problem.message}`, [err.problem]);
    throw err;
  }
  if (body.name !== undefined) spec = { ...spec, name: body.name };
  // The same schema, defaults and messages as POST /jobs, so a patched spec is held to the same rules.
  const validateSpec = jobSpecValidator();
  if (!validateSpec(spec)) {
    const details = (validateSpec.errors ?? []).map((e) => describeAjvError(e as Parameters<typeof describeAjvError>[0], 'body'));
    throw invalid(`the patched spec is invalid: ${details[0]?.path || '/'}: ${details[0]?.message ?? 'invalid'}`, details);
  }
  const created = await submitJob(deps, who, spec, { retryOf: id });
  if (body.patch || body.applyFixes) return { ...created, retryOf: id };
  // No change asked for: a replay, with the same spec and seed.
  const env = run.environment as Static<typeof RunEnvironment> | null;
  const seeded = (run.spec as JobSpec).fit.seed !== undefined;
  const { exact, reason } = seeded
    ? replayIsExact(env?.backend ?? run.backend, env?.backendDetail)
    : { exact: false, reason: 'the original job was stored without a seed, so the replay runs with a new one' };
  return { ...created, retryOf: id, replay: { exact, reason, seed: spec.fit.seed ?? null, backend: env?.backendDetail ?? run.backend } };
}
