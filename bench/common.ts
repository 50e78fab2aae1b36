/**
 * Shared helpers for the benchmarks: dataset loading (as the worker resolves a dataset
 * reference: built-in files, then the view options), timing of `runTrainingJob` runs, and
 * small formatting helpers. Reads `DATASETS_DIR` from the environment, with the service's
 * default (`./data/datasets`); missing files are downloaded there, as the service does.
 */
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { applyView, loadBuiltin, type BuiltinName, type BuiltinSplit, type Dataset } from '../src/data/index.js';
import type { DatasetRef, JobSpec } from '../src/schemas/job-spec.js';
import { runTrainingJob, type RunJobResult } from '../src/training/loop/run-training.js';
import type { EpochDiagnostics, EpochMetrics, TrainingWarning } from '../src/core/run-types.js';

/** Where the built-in datasets are read from (and downloaded to when missing). */
export const DATASETS_DIR = path.resolve(process.env.DATASETS_DIR ?? './data/datasets');

const sources = new Map<string, Promise<Dataset>>();

/** Loads what a dataset reference names (built-ins only), view options applied. */
export async function loadRef(ref: DatasetRef): Promise<Dataset> {
  if (!ref.builtin) throw new Error('the benchmarks use built-in datasets only');
  const split: BuiltinSplit = ref.split ?? 'train';
  const key = `${ref.builtin}:${split}`;
  let source = sources.get(key);
  if (!source) {
    source = loadBuiltin(ref.builtin as BuiltinName, split, { datasetsDir: DATASETS_DIR, verifyChecksums: true });
    sources.set(key, source);
  }
  return applyView(await source, { classes: ref.classes, limit: ref.limit, seed: ref.seed });
}

/** The outcome of one timed job. */
export interface TimedRun {
  result: RunJobResult;
  /** Whole `runTrainingJob` call: building, training, diagnostics, evaluation, serialization. */
  wallMs: number;
  /**
   * From the call until the last epoch's hooks returned (its metrics row, and its diagnostics
   * when enabled): model building and all training with its per-epoch diagnostics, without the
   * final evaluation and serialization, which do not depend on diagnostics.
   */
  trainMs: number;
  /**
   * CPU time of this process (user + system) over `trainMs`. The wasm and cpu backends compute
   * on the main thread, so on a machine shared with other work this is steadier than wall time.
   */
  trainCpuMs: number;
  /** Sum of the epochs' `model.fit` time (the `durationMs` of each metrics row). */
  fitMs: number;
  /** Sum over epochs of the time from an epoch's metrics row to its diagnostics (the probe pass). */
  probeMs: number;
  epochs: EpochMetrics[];
  diagnostics: EpochDiagnostics[];
  warnings: TrainingWarning[];
}

/** Resolves the spec's datasets and runs it through `runTrainingJob`, timing it. */
export async function timeJob(spec: JobSpec): Promise<TimedRun> {
  const train = await loadRef(spec.dataset);
  const validation = spec.validation?.dataset ? await loadRef(spec.validation.dataset) : undefined;
  const evaluate = spec.evaluate ? await loadRef(spec.evaluate.dataset) : undefined;
  const epochs: EpochMetrics[] = [];
  const diagnostics: EpochDiagnostics[] = [];
  const warnings: TrainingWarning[] = [];
  const cpuStart = process.cpuUsage();
  let cpuAtLastHook = cpuStart;
  const start = performance.now();
  let lastHook = start;
  let epochEnd = start;
  let probeMs = 0;
  const result = await runTrainingJob({
    spec,
    data: { train, validation, evaluate },
    hooks: {
      onEpoch: (row) => {
        epochs.push(row);
        lastHook = epochEnd = performance.now();
        cpuAtLastHook = process.cpuUsage();
      },
      onDiagnostics: (d, w) => {
        diagnostics.push(d);
        warnings.push(...w);
        lastHook = performance.now();
        cpuAtLastHook = process.cpuUsage();
        probeMs += lastHook - epochEnd;
      },
    },
  });
  const wallMs = performance.now() - start;
  return {
    result,
    wallMs,
    trainMs: lastHook - start,
    trainCpuMs: (cpuAtLastHook.user + cpuAtLastHook.system - cpuStart.user - cpuStart.system) / 1000,
    fitMs: epochs.reduce((s, e) => s + e.durationMs, 0),
    probeMs,
    epochs,
    diagnostics,
    warnings,
  };
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A description of this machine for the results: CPU model, core count, Node and tfjs versions. */
export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpus.length} cores (${model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, tfjs ${tf.version.tfjs}`;
}

/** Load average over the last minute (other work on a shared machine skews timings). */
export function load1(): string {
  return os.loadavg()[0].toFixed(2);
}

/** Seconds with one decimal. */
export const sec = (ms: number): string => (ms / 1000).toFixed(1);

/** A markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
