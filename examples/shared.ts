/** What every example shares: a client for TRAINING_URL and a `train` that prints each epoch. */
import { TrainingClient, type EpochMetrics, type Job, type JobSpec } from '../src/sdk/index.js';

export const client = new TrainingClient({ baseUrl: process.env.TRAINING_URL ?? 'http://127.0.0.1:3000' });

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function epochLine(m: EpochMetrics): string {
  return `epoch ${String(m.epoch).padStart(2)} ${m.phase.padEnd(9)} loss ${fmt(m.loss)} acc ${fmt(m.accuracy)} val_loss ${fmt(m.val_loss)} val_acc ${fmt(m.val_accuracy)} (${(m.durationMs / 1000).toFixed(1)}s)`;
}

/** Submits a spec, prints one line per epoch, and returns the finished job (throws unless it succeeded). */
export async function train(label: string, spec: JobSpec): Promise<Job> {
  const { id } = await client.createJob(spec);
  console.log(`[${label}] job ${id}`);
  const job = await client.waitForJob(id, { onEpoch: (m) => console.log(`[${label}] ${epochLine(m)}`) });
  if (job.status !== 'succeeded') throw new Error(`[${label}] job ${id} ${job.status}: ${job.error ?? ''}`);
  for (const w of job.warnings) console.log(`[${label}] warning (${w.kind}${w.layer ? `, ${w.layer}` : ''}): ${w.message}`);
  if (job.evaluation) console.log(`[${label}] test: loss ${fmt(job.evaluation.loss)} accuracy ${fmt(job.evaluation.accuracy)}`);
  return job;
}

/** Prints a model's layers and parameter counts, Keras style. */
export async function printSummary(modelId: string): Promise<void> {
  const model = await client.getModel(modelId);
  for (const l of model.summary.layers) {
    console.log(
      `  ${l.name.padEnd(28)} ${l.type.padEnd(20)} ${JSON.stringify(l.outputShape).padEnd(14)} ${String(l.params).padStart(8)}${l.trainable ? '' : '  (frozen)'}`,
    );
  }
  const s = model.summary;
  console.log(`  total params ${s.totalParams}, trainable ${s.trainableParams}, non-trainable ${s.nonTrainableParams}`);
}

/** The training split of Fashion-MNIST, 5000 samples: small enough for a laptop. */
export const SAMPLES = Number(process.env.SAMPLES ?? 5000);
export const EPOCHS = Number(process.env.EPOCHS ?? 5);
