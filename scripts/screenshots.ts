/**
 * Screenshots of every dashboard page, for the README: `npm run screenshots -- [baseUrl] [--seed]`.
 * Drives Debian's Chromium against a running service (default http://127.0.0.1:3000; API_KEY
 * when access control is on). `--seed` first trains a few of the New job page's recipes on
 * 3,000 Fashion-MNIST images (and a transfer job on one of them), so there is something to show.
 * Writes docs/screenshots/*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { RECIPES } from '../ui/src/lib/recipes.js';
import { launchChromium } from '../test/support/browser.js';

const args = process.argv.slice(2);
const base = (args.find((a) => !a.startsWith('--')) ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const OUT = path.resolve(import.meta.dirname, '../docs/screenshots');
const headers: Record<string, string> = {
  'content-type': 'application/json',
  ...(process.env.API_KEY ? { authorization: `Bearer ${process.env.API_KEY}` } : {}),
};

async function api<T = any>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

async function waitDone(id: string): Promise<any> {
  for (;;) {
    const job = await api('GET', `/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Trains the recipes the pictures show; returns when they have ended. */
async function seed(): Promise<void> {
  const pick = ['relu-he', 'selu', 'batch-norm', 'vanishing'];
  const ids: string[] = [];
  for (const id of pick) {
    const spec = structuredClone(RECIPES.find((r) => r.id === id)!.spec) as any;
    spec.dataset.limit = 3000;
    spec.fit.epochs = 12;
    if (id === 'relu-he') spec.modelName = 'fashion-mlp';
    ids.push((await api('POST', '/jobs', spec)).id);
  }
  const first = await waitDone(ids[0]);
  const transfer = structuredClone(RECIPES.find((r) => r.id === 'transfer')!.spec) as any;
  transfer.base.modelId = first.modelId;
  ids.push((await api('POST', '/jobs', transfer)).id);
  for (const id of ids) console.log(id, (await waitDone(id)).status);
}

async function shoot(page: Page, name: string, hash: string, ready: string, prepare?: (page: Page) => Promise<void>) {
  await page.goto(`${base}/#${hash}`);
  await page.locator(ready).first().waitFor({ timeout: 30_000 });
  if (prepare) await prepare(page);
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  console.log(`docs/screenshots/${name}.png`);
}

if (args.includes('--seed')) await seed();
mkdirSync(OUT, { recursive: true });
const jobs = (await api<{ items: any[] }>('GET', '/jobs?status=succeeded&limit=100')).items;
const byName = (n: string) => jobs.find((j) => j.name === n) ?? jobs[0];
if (jobs.length < 2) throw new Error('need at least 2 succeeded jobs: run with --seed');
const transfer = jobs.find((j) => j.spec?.base || j.name?.startsWith('transfer'));
const featured = byName('vanishing-sigmoid');
const compared = ['relu-he', 'selu', 'batch-norm', 'vanishing-sigmoid'].map(byName).filter((j, i, all) => all.indexOf(j) === i);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  if (process.env.API_KEY) await page.addInitScript((key) => sessionStorage.setItem('training-dashboard.api-key', key), process.env.API_KEY);
  await shoot(page, 'jobs', '/jobs', 'table.jobs tbody tr');
  await shoot(page, 'job', `/jobs/${featured.id}`, '.heatmap[data-epochs]:not([data-epochs="0"])');
  if (transfer) await shoot(page, 'job-fine-tune', `/jobs/${transfer.id}`, 'figure.chart:not([data-points="0"])');
  await shoot(page, 'compare', `/compare?ids=${compared.map((j) => j.id).join(',')}`, 'table.spec-diff');
  await shoot(page, 'models', '/models', 'tbody tr');
  const model = byName('relu-he').modelId;
  await shoot(page, 'model', `/models/${model}`, 'svg.lineage', async (p) => {
    const box = (await p.locator('canvas.draw-canvas').boundingBox())!;
    // A trouser, roughly: two legs.
    for (const x of [0.4, 0.6]) {
      await p.mouse.move(box.x + box.width * x, box.y + box.height * 0.12);
      await p.mouse.down();
      await p.mouse.move(box.x + box.width * (x + (x < 0.5 ? -0.08 : 0.08)), box.y + box.height * 0.9, { steps: 10 });
      await p.mouse.up();
    }
    await p.click('.draw button:has-text("Predict")');
    await p.locator('.probabilities li').first().waitFor();
  });
  await shoot(page, 'new-job', '/new', '#spec-editor', async (p) => {
    await p.click('[data-recipe=batch-norm]');
    const spec = JSON.parse(await p.inputValue('#spec-editor'));
    spec.model.layers[2].units = 0;
    spec.fit.epochs = 'ten';
    await p.fill('#spec-editor', JSON.stringify(spec, null, 2));
    await p.locator('.problems li').first().waitFor();
  });
} finally {
  await browser.close();
}
