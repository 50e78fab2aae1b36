/**
 * Runs the chapter-11 preset end to end through the HTTP API of a running service and writes
 * docs/studies.md with the measured table. Nothing is computed here that the API did not answer:
 * the table is GET /studies/:id as it stood when the study ended.
 *
 *   TRAINING_URL=http://127.0.0.1:31300 WORKER_CONCURRENCY=2 npx tsx scripts/chapter-11-study.ts
 *
 * The service needs the real Fashion-MNIST under DATASETS_DIR. WORKER_CONCURRENCY tells the doc
 * how the service's worker was set up (the API does not say); OUT=path writes elsewhere;
 * STUDY_ID=<id> writes the doc of a study that already ran instead of starting one.
 */
import fs from 'node:fs/promises';
import { TrainingClient, type Study } from '../src/sdk/index.js';
import { chapter11 } from '../src/studies/presets.js';

const baseUrl = process.env.TRAINING_URL ?? 'http://127.0.0.1:3000';
const out = process.env.OUT ?? new URL('../docs/studies.md', import.meta.url).pathname;
const client = new TrainingClient({ baseUrl });

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

async function main() {
  const health = await client.health();
  let id = process.env.STUDY_ID;
  if (!id) {
    const created = await client.createStudy({ preset: 'chapter-11' });
    console.log(`study ${created.id}: ${created.trials} trial jobs`);
    id = created.id;
  }
  let study: Study | undefined;
  for await (const s of client.watchStudy(id, { pollMs: 2000 })) {
    study = s;
    const c = s.counts;
    console.log(
      `${((Date.now() - Date.parse(s.createdAt)) / 1000).toFixed(0)} s: ${s.status}, succeeded ${c.succeeded ?? 0}, failed ${c.failed ?? 0}, running ${c.running ?? 0}, queued ${c.queued ?? 0}, pending ${c.pending ?? 0}`,
    );
  }
  if (!study?.finishedAt) throw new Error('the study did not end');
  // From the service's own timestamps: accepted -> last trial ended.
  const seconds = (Date.parse(study.finishedAt) - Date.parse(study.createdAt)) / 1000;
  const jobs = await Promise.all(study.trials.filter((t) => t.jobId).map((t) => client.getJob(t.jobId!)));
  const busy = jobs.reduce((sum, j) => sum + (j.finishedAt && j.startedAt ? Date.parse(j.finishedAt) - Date.parse(j.startedAt) : 0), 0) / 1000;
  const backend = (health as { backendDetail?: string }).backendDetail ?? health.backend;
  await fs.writeFile(out, render(study, { seconds, busy, backend, concurrency: process.env.WORKER_CONCURRENCY ?? '1' }));
  console.log(`wrote ${out} (${seconds.toFixed(0)} s)`);
}

function render(study: Study, run: { seconds: number; busy: number; backend: string; concurrency: string }): string {
  const p = chapter11();
  const base = p.base as {
    dataset: { limit: number };
    fit: { epochs: number; batchSize: number };
    compile: { optimizer: { type: string; learningRate: number } };
  };
  const lines = [
    '# Studies: the chapter-11 preset, measured',
    '',
    'Made by `scripts/chapter-11-study.ts`, which sends `POST /studies {"preset":"chapter-11"}` to a',
    "running service, follows it with the SDK's `watchStudy`, and writes the answer of",
    '`GET /studies/:id` below. Do not edit by hand; run the script again.',
    '',
    `The study: activation x kernel initializer x batch normalization, ${p.repeats} repeats each (fit.seed and`,
    `dataset.seed + repeat), on ${base.dataset.limit} Fashion-MNIST training images (20% held out for validation),`,
    `a Flatten -> 4 x [Dense(64) -> BatchNormalization or identity] -> Dense(10, softmax) network, plain`,
    `${base.compile.optimizer.type.toUpperCase()} at ${base.compile.optimizer.learningRate}, ${base.fit.epochs} epochs of batch ${base.fit.batchSize}. Ranked by ${study.metric} at the last epoch (${study.mode}).`,
    '',
    `Run: study \`${study.id}\`, ${study.trials.length} trial jobs, ${study.status}; ${run.seconds.toFixed(0)} s from POST to the`,
    `end of the last trial (${run.busy.toFixed(0)} s of job time in all) with one worker process (WORKER_CONCURRENCY=${run.concurrency},`,
    `tfjs backend ${run.backend}) on a 2-core machine shared with other heavy work, so the times are an upper bound.`,
    '',
    '## Ranking',
    '',
    `The 95% interval is Student's t with n - 1 degrees of freedom: with ${p.repeats} repeats it is wide, and may reach past 0% or`,
    `100%. "vs best" pairs each configuration's runs with the best's by repeat (same seeds); its p-values are not corrected`,
    `for the ${Math.max(0, study.ranking.length - 1)} comparisons, so one below 0.05 among many is weak evidence on its own.`,
    '',
    `| # | activation | initializer | batch norm | ${study.metric} mean ± std | 95% interval | vs best (paired t-test) | n | warnings (runs with it / runs) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  study.ranking.forEach((r, i) => {
    const ran = r.n + r.stopped + r.failed;
    const warnings =
      Object.entries(r.warnings)
        .map(([k, c]) => `${k} ${c}/${ran}`)
        .join(', ') || '-';
    const value = r.mean === null ? '-' : `${pct(r.mean)} ± ${r.std === null ? '-' : (100 * r.std).toFixed(1)}`;
    const ci = r.ci95 ? `${pct(r.ci95[0])} to ${pct(r.ci95[1])}` : '-';
    const vs = r.vsBest
      ? `${(100 * r.vsBest.diff).toFixed(1)} points, p = ${r.vsBest.pValue === null ? '-' : r.vsBest.pValue.toPrecision(2)}`
      : i === 0
        ? 'best'
        : '-';
    lines.push(
      `| ${i + 1} | ${label(r.parameters.activation)} | ${label(r.parameters.initializer)} | ${label(r.parameters.batchNormalization)} | ${value} | ${ci} | ${vs} | ${r.n} | ${warnings} |`,
    );
  });
  lines.push('', '## Effect of each parameter (mean over every run with that value)', '');
  for (const [parameter, effects] of Object.entries(study.effects)) {
    const share = study.importance[parameter];
    const explains = share === null || share === undefined ? '' : `; explains ${(100 * share).toFixed(0)}% of the variance`;
    lines.push(`- **${parameter}**: ${effects.map((e) => `${label(e.value)} ${pct(e.mean)} (n=${e.n})`).join(', ')}${explains}`);
  }
  const summary = study.ranking.flatMap((r) => r.warningSummary);
  lines.push('', '## Diagnosis warnings per configuration', '');
  lines.push(...(summary.length ? summary.map((s) => `- ${s}`) : ['- none']));
  lines.push(
    '',
    `Best: ${study.best ? `${Object.values(study.best.parameters).map(label).join(' + ')}, ${pct(study.best.mean)} ± ${study.best.std === null ? '-' : (100 * study.best.std).toFixed(1)}${study.bestDistinguishable === false ? ', not distinguishable from all the others (p ≥ 0.05 against at least one)' : ''}` : 'none'}.`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
