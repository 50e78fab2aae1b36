/**
 * A job's phases in order: `train`, then `fine_tune` when the spec has `fineTune` (the base's
 * reused layers unfrozen, the model compiled again). A resumed run skips what its checkpoint
 * holds: the rest of the phase it stopped in, then the phases after it. (Its shuffling order
 * differs from an uninterrupted run's.)
 */
import type * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../../schemas/job-spec.js';
import { setFrozen } from '../model/transfer.js';
import { restoreCheckpoint, type Checkpoint } from './checkpoint.js';
import { trainPhase, type TrainHooks, type TrainPhaseArgs } from './train.js';

/** What the phases share, and how the model is (re)compiled. */
export interface PhasePlan {
  spec: JobSpec;
  /** trainPhase's arguments common to both phases. */
  common: Omit<TrainPhaseArgs, 'epochs' | 'phase' | 'epochOffset' | 'hooks'>;
  /** The base's reused layers (frozen for `train`), unfrozen for `fine_tune` as `fineTune.unfreeze` says. */
  reused: tf.layers.Layer[];
  /** Compiles the model with a new optimizer. As in Keras, a change of `trainable` reaches training only through a compile. */
  compile(optimizer: JobSpec['compile']['optimizer']): void;
  /** The optimizer of the latest compile (a checkpoint restores its state). */
  optimizer(): tf.Optimizer;
  /** A phase's hooks: `phaseStart` is the epoch it starts after (where a resume of it starts counting). */
  hooks(phase: 'train' | 'fine_tune', phaseStart: number): TrainHooks;
  resume?: Checkpoint;
}

/** Runs the phases; returns the epochs completed over both, and whether a cancel stopped them. */
export async function runPhases(plan: PhasePlan): Promise<{ epochsRun: number; cancelled: boolean }> {
  const { spec, common, resume } = plan;
  const model = common.model;
  let epochsRun: number;
  let cancelled = false;
  if (!resume || resume.phase === 'train') {
    const done = resume ? resume.epoch : 0;
    if (resume) await restoreCheckpoint(model, plan.optimizer(), resume);
    const first = await trainPhase({ ...common, hooks: plan.hooks('train', 0), epochs: spec.fit.epochs - done, phase: 'train', epochOffset: done });
    epochsRun = done + first.epochsRun;
    cancelled = first.stopped === 'cancelled';
  } else {
    epochsRun = resume.phaseStart;
  }
  if (cancelled || !spec.fineTune) return { epochsRun, cancelled };

  const unfreeze = spec.fineTune.unfreeze;
  setFrozen(unfreeze ? plan.reused.slice(-unfreeze) : plan.reused, false);
  plan.compile(spec.fineTune.optimizer ?? spec.compile.optimizer);
  const phaseStart = epochsRun;
  const done = resume?.phase === 'fine_tune' ? resume.epoch - resume.phaseStart : 0;
  if (resume?.phase === 'fine_tune') await restoreCheckpoint(model, plan.optimizer(), resume);
  const second = await trainPhase({
    ...common,
    hooks: plan.hooks('fine_tune', phaseStart),
    epochs: spec.fineTune.epochs - done,
    phase: 'fine_tune',
    epochOffset: phaseStart + done,
  });
  return { epochsRun: epochsRun + done + second.epochsRun, cancelled: second.stopped === 'cancelled' };
}
