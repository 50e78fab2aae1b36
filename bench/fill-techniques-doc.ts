/**
 * Fills the result placeholders of docs/techniques.md from bench/techniques-results.json:
 * `{{R:id}}`, `{{VAL:id}}`, `{{BEST:id}}`, `{{W:id}}`, `{{OUTCOME:id}}`, `{{ROWS:id,id}}` and `{{TABLE}}`.
 * Reads the template bench/techniques-doc.template.md (edit the prose there) and writes
 * docs/techniques.md.
 *
 *   npx tsx bench/fill-techniques-doc.ts [template]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Row {
  id: string;
  group: string;
  label: string;
  epochs: number;
  valAccuracy: number | null;
  bestValAccuracy: number | null;
  accuracy: number | null;
  warnings: string[];
  outcome: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = path.join(here, '..', 'docs', 'techniques.md');
const template = process.argv[2] ?? path.join(here, 'techniques-doc.template.md');
const GROUPS = ['init', 'activations', 'bn', 'clipping', 'optimizers', 'schedules', 'early', 'diagnostics'];
const rows = new Map((JSON.parse(await readFile(path.join(here, 'techniques-results.json'), 'utf8')) as Row[]).map((r) => [r.id, r]));
const get = (id: string): Row => {
  const r = rows.get(id);
  if (!r) throw new Error(`no result for ${id}: run bench/techniques.ts first`);
  return r;
};
const f = (v: number | null) => (v == null ? '-' : v.toFixed(3));
const warnings = (r: Row) => (r.warnings.length ? r.warnings.map((w) => `\`${w}\``).join(', ') : 'none');
const outcome = (r: Row) =>
  r.outcome === 'succeeded'
    ? `it trains (val_accuracy ${f(r.valAccuracy)}), warnings: ${warnings(r)}`
    : r.outcome.startsWith('failed')
      ? `the job fails: ${r.outcome.slice(8)}`
      : r.outcome;

let text = await readFile(template, 'utf8');
text = text
  .replace(/\{\{R:([\w-]+)\}\}/g, (_, id: string) => {
    const r = get(id);
    return r.valAccuracy == null ? `(${r.outcome})` : `reaches val_accuracy **${f(r.valAccuracy)}** after ${r.epochs} epochs (train accuracy ${f(r.accuracy)})`;
  })
  .replace(/\{\{VAL:([\w-]+)\}\}/g, (_, id: string) => f(get(id).valAccuracy))
  .replace(/\{\{BEST:([\w-]+)\}\}/g, (_, id: string) => f(get(id).bestValAccuracy))
  .replace(/\{\{W:([\w-]+)\}\}/g, (_, id: string) => warnings(get(id)))
  .replace(/\{\{OUTCOME:([\w-]+)\}\}/g, (_, id: string) => outcome(get(id)))
  .replace(/\{\{ROWS:([\w,-]+)\}\}/g, (_, ids: string) =>
    ids
      .split(',')
      .map((id) => {
        const r = get(id);
        return `| ${r.label} | ${f(r.valAccuracy)} | ${f(r.bestValAccuracy)} | ${f(r.accuracy)} |`;
      })
      .join('\n'),
  )
  .replace('{{TABLE}}', () =>
    [
      '| group | recipe | val_accuracy (last epoch) | best val_accuracy | train accuracy | epochs | warnings / outcome |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- |',
      ...[...rows.values()]
        .sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group))
        .map(
          (r) =>
            `| ${r.group} | ${r.label} | ${f(r.valAccuracy)} | ${f(r.bestValAccuracy)} | ${f(r.accuracy)} | ${r.epochs} | ${[r.outcome === 'succeeded' ? '' : r.outcome, ...r.warnings].filter(Boolean).join('; ') || '-'} |`,
        ),
    ].join('\n'),
  );
await writeFile(doc, text);
console.error(`wrote ${doc}`);
