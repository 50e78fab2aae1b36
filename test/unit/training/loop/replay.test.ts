/**
 * Replays: the same spec with the same seed gives bit-identical per-epoch losses, on cpu and on
 * wasm, for recipes with Dropout, AlphaDropout, RReLU and BatchNormalization; another seed gives
 * other losses (so equality is not an accident of, say, layers that never draw).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { runTrainingJob } from '../../../../src/training/loop/run-training.js';
import type { JobSpec } from '../../../../src/schemas/job-spec.js';
import { tinyDataset } from '../../../support/tiny-job.js';
import { REFERENCE_SPECS, seeded } from '../../../support/reference-specs.js';

async function losses(spec: JobSpec): Promise<number[]> {
  const rows: number[] = [];
  await runTrainingJob({ spec, data: { train: tinyDataset(96) }, hooks: { onEpoch: (r) => void rows.push(r.loss, r.val_loss ?? NaN) } });
  return rows;
}

beforeAll(async () => {
  // Registers the wasm backend (with this service's kernels); each test then picks its backend.
  // WASM_THREADS=2 checks the threaded build replays as exactly (at a fixed thread count).
  await initBackend('wasm', { wasmThreads: Number(process.env.WASM_THREADS ?? 1) });
});

describe.each(['cpu', 'wasm'])('replay on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it.each(REFERENCE_SPECS.map((s) => [s.name, s] as const))('%s: same seed, bit-identical epoch losses; another seed, other losses', async (_name, spec) => {
    const first = await losses(seeded(spec, 11));
    const again = await losses(seeded(spec, 11));
    expect(first.every(Number.isFinite)).toBe(true);
    // toEqual compares with Object.is: bit for bit.
    expect(again).toEqual(first);
    expect(await losses(seeded(spec, 12))).not.toEqual(first);
  });

  it("a random layer's own seed wins over the one derived from fit.seed, and changes the run", async () => {
    const spec = seeded(REFERENCE_SPECS[0], 11);
    const withOwn = (seed: number): JobSpec => ({
      ...spec,
      model: { layers: spec.model.layers.map((l) => (l.type === 'Dropout' ? { ...l, seed } : l)) },
    });
    const a = await losses(withOwn(5));
    expect(await losses(withOwn(5))).toEqual(a);
    expect(await losses(withOwn(6))).not.toEqual(a);
    expect(a).not.toEqual(await losses(spec));
  });
});
