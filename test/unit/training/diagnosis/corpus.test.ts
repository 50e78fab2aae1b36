/**
 * The labeled corpus (test/support/diagnosis-corpus.ts): every broken recipe raises its own kind,
 * and its fix, applied as the retry route applies it, clears that kind and lowers the final loss;
 * no healthy recipe from the chapter raises any warning. Trained through the pure training module
 * on the committed Fashion-MNIST fixture. The same runs make docs/diagnosis.md
 * (scripts/diagnosis-corpus.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/training/backend/backend.js';
import { RULE_KINDS as DIAGNOSIS_KINDS } from '../../../../src/core/diagnosis-catalog.js';
import { BROKEN, HEALTHY, fixedSpec, loadFixture, runRecipe, type Fixture } from '../../../support/diagnosis-corpus.js';

let fixture: Fixture;

beforeAll(async () => {
  await initBackend('wasm');
  fixture = await loadFixture();
});

// Generous: the machine running the suite may be shared; an idle run of a recipe takes 1-3 s.
const TIMEOUT = 180_000;

describe('the diagnosis corpus', () => {
  it('has a broken recipe for every kind and at least 8 healthy ones', () => {
    expect(new Set(BROKEN.map((r) => r.kind))).toEqual(new Set(DIAGNOSIS_KINDS));
    expect(HEALTHY.length).toBeGreaterThanOrEqual(8);
  });

  it.each(HEALTHY.map((r) => [r.name, r] as const))(
    'healthy %s raises no warning',
    async (_, recipe) => {
      const run = await runRecipe(recipe, fixture);
      expect(run.status).toBe('succeeded');
      expect(run.warnings.map((w) => `${w.id}: ${w.message}`)).toEqual([]);
    },
    TIMEOUT,
  );

  it.each(BROKEN.map((r) => [r.name, r.kind, r] as const))(
    'broken %s raises %s; its fix clears it and lowers the loss',
    async (_, kind, recipe) => {
      const before = await runRecipe(recipe, fixture);
      expect(before.kinds).toContain(kind);
      const own = before.warnings.filter((w) => w.kind === kind);
      for (const w of own) {
        expect(w.id).toBe(`${w.kind}:${w.layer ?? 'model'}`);
        expect(['info', 'warning', 'critical']).toContain(w.severity);
        expect(w.advice.length).toBeGreaterThan(10);
        expect(Object.keys(w.evidence).length).toBeGreaterThan(0);
      }
      expect(own.some((w) => w.fix && w.fix.length > 0)).toBe(true);
      const after = await runRecipe(recipe, fixture, fixedSpec(recipe, before));
      expect(after.kinds).not.toContain(kind);
      expect(after.finalLoss).toBeLessThan(before.finalLoss);
    },
    TIMEOUT,
  );
});
