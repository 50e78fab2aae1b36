import type { Study, StudyRequest, TrainingClient } from '../sdk/index.js';
import { positionals, readJson, UsageError } from './args.js';
import type { Io } from './io.js';

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
const interval = (ci: readonly [number, number] | null | undefined) => (ci ? `[${num(ci[0])}, ${num(ci[1])}]` : '-');
const shown = (parameters: Record<string, unknown>) =>
  Object.values(parameters)
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    .join(' + ');

/** `study submit|watch|show|cancel`; resolves with the exit code. */
export async function runStudyCommand(client: TrainingClient, args: string[], flags: { watch?: boolean; preset?: string }, io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const signal = io.signal;
  const [sub, ...rest] = args;
  switch (sub) {
    case 'submit': {
      let body: StudyRequest;
      if (flags.preset) {
        positionals(rest, [], 'study submit --preset');
        body = { preset: flags.preset as StudyRequest['preset'] };
      } else {
        const [file] = positionals(rest, ['study.json'], 'study submit');
        body = (await readJson(file, 'study')) as StudyRequest;
      }
      const created = await client.createStudy(body, { signal });
      out(`${created.id} ${created.status} (${created.trials} trial jobs planned)`);
      return flags.watch ? watchStudy(client, created.id, io) : 0;
    }
    case 'watch': {
      const [id] = positionals(rest, ['studyId'], 'study watch');
      return watchStudy(client, id, io);
    }
    case 'show': {
      const [id] = positionals(rest, ['studyId'], 'study show');
      const study = await client.getStudy(id, { signal });
      printStudy(study, out);
      return 0;
    }
    case 'cancel': {
      const [id] = positionals(rest, ['studyId'], 'study cancel');
      const res = await client.cancelStudy(id, { signal });
      out(`${res.id} ${res.status} (${res.cancelledTrials} trial jobs cancelled)`);
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown study command "${sub}"; use submit, watch, show or cancel` : 'study needs a command: submit, watch, show or cancel');
  }
}

/** Follows a study: a progress line whenever trials move, a line per ended trial, then the ranking. */
async function watchStudy(client: TrainingClient, id: string, io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const reported = new Set<number>();
  let final: Study | undefined;
  for await (const study of client.watchStudy(id, { signal: io.signal })) {
    final = study;
    for (const t of study.trials) {
      if (reported.has(t.index) || ['pending', 'queued', 'running'].includes(t.status)) continue;
      reported.add(t.index);
      const at = t.status === 'stopped' ? ` at epoch ${t.stoppedAtEpoch}` : '';
      out(`trial ${t.index + 1}/${study.trials.length} ${shown(t.parameters)} (repeat ${t.repeat + 1}): ${t.status}${at}  ${study.metric} ${num(t.value)}`);
    }
    const c = study.counts;
    const done = study.trials.length - (c.pending ?? 0) - (c.queued ?? 0) - (c.running ?? 0);
    out(`study ${study.status}: ${done}/${study.trials.length} ended (running ${c.running ?? 0}, queued ${c.queued ?? 0}, pending ${c.pending ?? 0})`);
  }
  if (!final) return 1;
  printStudy(final, out);
  return final.status === 'succeeded' ? 0 : 1;
}

/** The ranking table (mean, std, 95% interval, the paired comparison with the best), the best configuration, each parameter's effect and the warning summary. */
export function printStudy(study: Study, out: (s: string) => void): void {
  out(`study ${study.id}${study.name ? ` (${study.name})` : ''}: ${study.status}, ${study.method}, ${study.metric} (${study.mode})`);
  out(study.metricNote);
  out('');
  out(
    `${'#'.padEnd(3)} ${'configuration'.padEnd(44)} ${`${study.metric} mean ± std`.padEnd(22)} ${'95% CI'.padEnd(20)} n  ${`vs best (${study.test})`.padEnd(28)} stopped failed`,
  );
  study.ranking.forEach((r, i) => {
    const value = r.mean === null ? '-' : `${num(r.mean)} ± ${num(r.std)}`;
    const vs = r.vsBest
      ? `${signed(r.vsBest.diff)} p=${r.vsBest.pValue === null ? '-' : r.vsBest.pValue.toPrecision(3)}${r.vsBest.distinguishable ? '' : ' (tie)'}`
      : '';
    out(
      `${String(i + 1).padEnd(3)} ${shown(r.parameters).slice(0, 44).padEnd(44)} ${value.padEnd(22)} ${interval(r.ci95).padEnd(20)} ${String(r.n).padEnd(2)} ${vs.padEnd(28)} ${String(r.stopped).padEnd(7)} ${r.failed}`,
    );
  });
  if (study.best) {
    const verdict =
      study.bestDistinguishable === null ? '' : study.bestDistinguishable ? ', distinguishable from every other' : ', not distinguishable from all others';
    out(`\nbest: ${shown(study.best.parameters)}  ${study.metric} ${num(study.best.mean)} ± ${num(study.best.std)} (n=${study.best.n})${verdict}`);
  }
  for (const [parameter, effects] of Object.entries(study.effects)) {
    const share = study.importance[parameter];
    out(
      `effect of ${parameter}: ${effects.map((e) => `${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)} ${num(e.mean)} ${interval(e.ci95)} (n=${e.n})`).join(', ')}${share === null || share === undefined ? '' : `; explains ${(share * 100).toFixed(1)}% of the variance`}`,
    );
  }
  const warnings = study.ranking.flatMap((r) => r.warningSummary);
  if (warnings.length) {
    out('\nwarnings:');
    for (const w of warnings) out(`  ${w}`);
  }
}
