import { initBackend } from '../src/training/backend/backend.js';
import { BROKEN, HEALTHY, fixedSpec, loadFixture, runRecipe } from '../test/support/diagnosis-corpus.js';
await initBackend('wasm');
const f = await loadFixture();
const only = process.argv[2];
for (const r of [...BROKEN, ...HEALTHY]) {
  if (only && !r.name.includes(only) && r.kind !== only && !(only === 'healthy' && r.kind === null) && !(only === 'broken' && r.kind !== null)) continue;
  const t0 = performance.now();
  const before = await runRecipe(r, f);
  let after = '';
  if (r.kind) {
    const own = before.warnings.filter((w) => w.kind === r.kind);
    if (own.length) {
      const fixed = fixedSpec(r, before);
      const a = await runRecipe(r, f, fixed);
      after = ` | fixed: ${a.finalLoss.toFixed(4)} kinds=${a.kinds.join(',')} fix=${JSON.stringify(own.map((w) => w.fix))}`;
    }
  }
  console.log(
    `${r.name} [${r.kind}] ${((performance.now() - t0) / 1000).toFixed(1)}s loss=${before.finalLoss.toFixed(4)} kinds=${before.kinds.join(',')} ${before.error ?? ''}${after}`,
  );
  if (process.env.V) for (const w of before.warnings) console.log('   ', w.id, w.epoch, w.message, JSON.stringify(w.evidence));
}
