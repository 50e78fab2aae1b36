/**
 * Trains the labeled diagnosis corpus (test/support/diagnosis-corpus.ts) and writes
 * docs/diagnosis.md: the confusion table (which kinds each recipe raised) and, for each broken
 * recipe, the final loss before and after its fix. Run: `npx tsx scripts/diagnosis-corpus.ts`.
 */
import { writeFile } from 'node:fs/promises';
import { initBackend } from '../src/training/backend/backend.js';
import { RULE_KINDS as DIAGNOSIS_KINDS } from '../src/core/diagnosis-catalog.js';
import { BROKEN, HEALTHY, fixedSpec, loadFixture, runRecipe, type RecipeRun } from '../test/support/diagnosis-corpus.js';

const backend = await initBackend((process.env.TFJS_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm');
const fixture = await loadFixture();
const started = performance.now();

interface Row {
  name: string;
  kind: string | null;
  about: string;
  before: RecipeRun;
  after?: RecipeRun;
  fix?: string;
  lossKey: string;
}
const rows: Row[] = [];
for (const recipe of [...BROKEN, ...HEALTHY]) {
  const before = await runRecipe(recipe, fixture);
  const row: Row = { name: recipe.name, kind: recipe.kind, about: recipe.about, before, lossKey: recipe.lossKey ?? 'loss' };
  if (recipe.kind && before.kinds.includes(recipe.kind)) {
    const spec = fixedSpec(recipe, before);
    row.fix = JSON.stringify(before.warnings.filter((w) => w.kind === recipe.kind).flatMap((w) => w.fix ?? []));
    row.after = await runRecipe(recipe, fixture, spec);
  }
  rows.push(row);
  process.stdout.write(`${recipe.name}: ${before.kinds.join(', ') || 'none'}\n`);
}
const seconds = (performance.now() - started) / 1000;

const short = (kind: string) => kind.replace(/_/g, ' ');
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const mark = (row: Row, kind: string) => (row.before.kinds.includes(kind) ? (row.kind === kind ? '**X**' : 'x') : row.kind === kind ? '**MISSED**' : '');

const lines = [
  '# Diagnosis: the labeled corpus',
  '',
  '<!-- Written by scripts/diagnosis-corpus.ts; do not edit by hand. -->',
  '',
  `Every recipe below was trained by \`scripts/diagnosis-corpus.ts\` through the pure training module (\`runTrainingJob\`, as the worker runs it) on the committed Fashion-MNIST fixture (the first 1,200 training and 400 test images), backend \`${backend}\`, in ${seconds.toFixed(0)} s on the machine that wrote this file. The same recipes and checks run in \`npm test\` (test/unit/training/diagnosis/corpus.test.ts).`,
  '',
  '## Confusion table',
  '',
  'Rows are recipes (broken ones labeled with the kind they must raise, then the healthy ones from the chapter); columns are the warning kinds. **X**: the recipe raised its own kind; x: it raised another kind too (a broken recipe often fails in more than one way); **MISSED**: its own kind was not raised.',
  '',
  `| recipe | label | ${DIAGNOSIS_KINDS.map(short).join(' | ')} |`,
  `| --- | --- | ${DIAGNOSIS_KINDS.map(() => ':-:').join(' | ')} |`,
  ...rows.map((r) => `| ${r.name} | ${r.kind ? short(r.kind) : 'healthy'} | ${DIAGNOSIS_KINDS.map((k) => mark(r, k)).join(' | ')} |`),
  '',
  `Healthy recipes raising any warning: ${rows.filter((r) => !r.kind && r.before.kinds.length > 0).length} of ${rows.filter((r) => !r.kind).length}. Broken recipes raising their own kind: ${rows.filter((r) => r.kind && r.before.kinds.includes(r.kind)).length} of ${rows.filter((r) => r.kind).length}.`,
  '',
  '## Before and after the fix',
  '',
  'Each broken recipe was trained again with the `fix` of its own warnings applied (the JSON Patch that `POST /jobs/:id/retry` with `applyFixes` applies). "loss" is the last epoch\'s training loss; "val_loss" is the loss on the held-out data of the model the job returns (with early stopping\'s restoreBestWeights, the best epoch\'s weights).',
  '',
  '| recipe | what it is | loss measured | before | after | own kind after | other kinds after | fix |',
  '| --- | --- | --- | ---: | ---: | --- | --- | --- |',
  ...rows
    .filter((r) => r.kind)
    .map((r) => {
      const after = r.after;
      const cleared = after ? (after.kinds.includes(r.kind!) ? 'still raised' : 'cleared') : 'n/a';
      return `| ${r.name} | ${r.about} | ${r.lossKey} | ${fmt(r.before.finalLoss)}${r.before.status === 'failed' ? ' (failed)' : ''} | ${after ? fmt(after.finalLoss) : '-'} | ${cleared} | ${after?.kinds.join(', ') || '-'} | \`${r.fix ?? ''}\` |`;
    }),
  '',
  '## The healthy recipes',
  '',
  '| recipe | what it is | final loss |',
  '| --- | --- | ---: |',
  ...rows.filter((r) => !r.kind).map((r) => `| ${r.name} | ${r.about} | ${fmt(r.before.finalLoss)} |`),
  '',
];
await writeFile(new URL('../docs/diagnosis.md', import.meta.url), lines.join('\n'));
process.stdout.write(`wrote docs/diagnosis.md (${seconds.toFixed(0)} s)\n`);
