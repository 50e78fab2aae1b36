import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingClient } from '../../src/sdk/index.js';
import { CHROMIUM, hasChromium, launchChromium } from '../support/browser.js';
import { QUEUE_BACKENDS, ROOT, smallFashionJob, startHarness, waitForJob, waitUntil, type Harness } from '../support/harness.js';

// The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
// API, database, queue and a worker process: what a user does, step by step, on one service.
const backend = QUEUE_BACKENDS[QUEUE_BACKENDS.length - 1];

/** Records, on every DOM change, how many epochs the loss chart shows and the job's status. */
const RECORD_LIVE = () => {
  const w = window as unknown as { __live: Array<{ points: number; status: string | undefined; heatmap: number }> };
  w.__live = [];
  new MutationObserver(() => {
    const points = Number(document.querySelector('figure.chart')?.getAttribute('data-points') ?? 0);
    const status = (document.querySelector('.page-head [data-status]') as HTMLElement | null)?.dataset.status;
    const heatmap = Number(document.querySelector('.heatmap')?.getAttribute('data-epochs') ?? 0);
    const last = w.__live[w.__live.length - 1];
    if (!last || last.points !== points || last.status !== status || last.heatmap !== heatmap) w.__live.push({ points, status, heatmap });
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
};

describe(`dashboard in Chromium (${backend.name} queue)`, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const jobs: Record<'recipe' | 'transfer', string> = { recipe: '', transfer: '' };
  const models: Record<'recipe' | 'transfer', string> = { recipe: '', transfer: '' };
  const api = async (method: string, url: string, body?: unknown) => (await h.app.inject({ method: method as 'GET', url, payload: body as object })).json();

  beforeAll(async () => {
    if (!hasChromium()) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
    // npm ci builds it (prepare); a checkout that skipped install scripts builds it here.
    if (!existsSync(path.join(ROOT, 'ui/dist/index.html'))) execFileSync('npm', ['run', 'build:ui'], { cwd: ROOT, stdio: 'inherit' });
    h = await startHarness({ redisUrl: backend.redisUrl, env: { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '0.2' } });
    await h.startWorker();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (err) => console.error('page error:', err.message));
    await page.addInitScript(RECORD_LIVE);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('serves the dashboard at / and keeps Swagger UI at /docs', async () => {
    const index = await fetch(`${h.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const html = await index.text();
    const asset = html.match(/src="\.\/(assets\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${h.baseUrl}/${asset}`)).status).toBe(200);
    expect((await fetch(`${h.baseUrl}/assets/nope.js`)).status).toBe(404);
    const escape = await fetch(`${h.baseUrl}/assets/..%2f..%2fpackage.json`);
    expect([403, 404]).toContain(escape.status);
    expect(await escape.text()).not.toContain('tfjs-training-service');
    expect((await fetch(`${h.baseUrl}/docs`, { redirect: 'manual' })).status).toBeLessThan(400);
  });

  it('submits a recipe from the New job page, flags a bad field, and shows the curves and heat-map growing live', async () => {
    await page.goto(`${h.baseUrl}/#/new`);
    await page.click('[data-recipe=relu-he]');
    const spec = JSON.parse(await page.inputValue('#spec-editor'));
    expect(spec.name).toBe('relu-he');
    // Smaller, for the test fixtures: same recipe, fewer samples and units.
    spec.dataset.limit = 600;
    spec.evaluate.dataset.limit = 200;
    spec.model.layers[1].units = -3;
    spec.model.layers[2].units = 16;
    spec.fit.epochs = 6;
    // Small batches (135 an epoch): each epoch lasts long enough for the page to draw it before the
    // next arrives, which batches of 32 did not on a quiet machine.
    spec.fit.batchSize = 4;
    await page.fill('#spec-editor', JSON.stringify(spec, null, 2));
    const problem = page.locator('.problems li[data-path="/model/layers/1/units"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/line \d+.*>= 1/);
    expect(await page.isDisabled('button[type=submit]')).toBe(true);
    spec.model.layers[1].units = 32;
    await page.fill('#spec-editor', JSON.stringify(spec, null, 2));
    await page.getByText('The spec matches the schema.').waitFor();
    await page.click('button[type=submit]');

    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    jobs.recipe = page.url().split('/').pop()!;
    await page.locator('.page-head [data-status=succeeded]').waitFor({ timeout: 120_000 });
    await page.locator('.heatmap[data-epochs="6"][data-layers="3"]').waitFor();
    const live: Array<{ points: number; status?: string; heatmap: number }> = await page.evaluate(() => (window as any).__live);
    // Epoch points appeared one by one while the job was running, pushed over the event stream.
    const whileRunning = live.filter((r) => r.status === 'running').map((r) => r.points);
    expect(new Set(whileRunning.filter((n) => n > 0)).size).toBeGreaterThanOrEqual(2);
    expect(live.map((r) => r.points)).toEqual([...live.map((r) => r.points)].sort((a, b) => a - b));
    expect(live[live.length - 1].points).toBe(6);
    // The heat-map is painted: its cells are not the empty background.
    const painted = await page.$eval('.heatmap canvas', (c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(c.width - 20, c.height / 2, 1, 1).data;
      return d[3] === 255 && !(d[0] === 200 && d[1] === 200 && d[2] === 200);
    });
    expect(painted).toBe(true);
    const job = await api('GET', `/jobs/${jobs.recipe}`);
    expect(job.status).toBe('succeeded');
    expect(job.spec.model.layers[1].units).toBe(32);
    models.recipe = job.modelId;
  }, 180_000);

  it('cancels a running job from its page', async () => {
    const { id } = await api('POST', '/jobs', smallFashionJob({ name: 'long-one', fit: { epochs: 300, batchSize: 32, seed: 1 } }));
    await page.goto(`${h.baseUrl}/#/jobs/${id}`);
    await page.locator('.page-head [data-status=running]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('figure.chart')?.getAttribute('data-points')) >= 1, null, { timeout: 60_000 });
    await page.click('button:has-text("Cancel job")');
    await page.locator('.page-head [data-status=cancelled]').waitFor({ timeout: 60_000 });
    expect((await api('GET', `/jobs/${id}`)).status).toBe('cancelled');
    expect(await page.locator('button:has-text("Cancel job")').count()).toBe(0);
  }, 120_000);

  it('compares two finished jobs: overlaid curves and the spec differences', async () => {
    const transfer = await api('POST', '/jobs', {
      name: 'transfer',
      dataset: { builtin: 'fashion-mnist', split: 'train', classes: [5, 7], limit: 120, seed: 3 },
      validation: { split: 0.25 },
      base: { modelId: models.recipe, dropLast: 1, freeze: true },
      model: { layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
      compile: { optimizer: { type: 'adam', learningRate: 0.003 }, loss: 'binary_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 2, seed: 3 },
      fineTune: { epochs: 2, optimizer: { type: 'adam', learningRate: 0.0003 } },
    });
    jobs.transfer = transfer.id;
    const done = await waitForJob(h, jobs.transfer);
    expect(done.status).toBe('succeeded');
    models.transfer = done.modelId;

    await page.goto(`${h.baseUrl}/#/jobs`);
    await page.check(`tr[data-job="${jobs.recipe}"] input[type=checkbox]`);
    await page.check(`tr[data-job="${jobs.transfer}"] input[type=checkbox]`);
    await page.click('button:has-text("Compare (2)")');
    await page.waitForURL(/#\/compare\?ids=/);
    const lossChart = page.locator('figure.chart[aria-label=loss]');
    await lossChart.waitFor();
    // uPlot's legend: the x series plus one per job.
    expect(await lossChart.locator('.u-legend .u-series').count()).toBe(3);
    expect(await lossChart.getAttribute('data-points')).toBe('6');
    const differs = await page.locator('table.spec-diff tr.differs').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
    expect(differs).toContain('/fit/epochs');
    expect(differs).toContain('/base/modelId');
    expect(await page.locator('table.spec-diff tr[data-path="/compile/metrics/0"]').count()).toBe(0);

    // The jobs table filters by name, case-insensitively, on the server.
    await page.goto(`${h.baseUrl}/#/jobs`);
    await page.fill('input[type=search]', 'TRANSF');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('table.jobs tbody tr')];
      return rows.length === 1 && rows[0].getAttribute('data-job') === id;
    }, jobs.transfer);
  }, 180_000);

  it("replays a job from its page: the seed and environment shown, the replay's losses the same", async () => {
    const spec = smallFashionJob({
      name: 'replay-me',
      evaluate: undefined,
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 200 },
      fit: { epochs: 2 },
    });
    const original = await waitForJob(h, (await api('POST', '/jobs', spec)).id);
    expect(original.status, original.error).toBe('succeeded');
    await page.goto(`${h.baseUrl}/#/jobs/${original.id}`);
    await page.locator('.facts dd.environment').waitFor();
    expect(await page.locator('.facts').innerText()).toContain(String(original.seed));
    await page.click('.page-head button:has-text("Replay")');
    // A backend that promises bit-identical losses opens the replay; another says why and links to it.
    await page.waitForFunction((id) => !location.hash.endsWith(id) || document.querySelector('.replay-note a') !== null, original.id);
    const note = page.locator('.replay-note a');
    if ((await note.count()) > 0) await note.click();
    await page.waitForFunction((id) => /#\/jobs\/[0-9a-f-]{36}$/.test(location.hash) && !location.hash.endsWith(id), original.id);
    const replayId = page.url().split('/').pop()!;
    const replay = await waitForJob(h, replayId);
    expect(replay).toMatchObject({ status: 'succeeded', retryOf: original.id, seed: original.seed });
    const losses = async (id: string) => (await api('GET', `/jobs/${id}/metrics`)).epochs.map((e: { loss: number }) => e.loss);
    if (['cpu', 'wasm'].includes(original.environment.backend)) expect(await losses(replayId)).toEqual(await losses(original.id));
  }, 180_000);

  it("opens a model's lineage: base to the left, derived to the right", async () => {
    await page.goto(`${h.baseUrl}/#/models/${models.transfer}`);
    await page.locator(`svg.lineage [data-lineage-node="${models.recipe}"]`).waitFor();
    expect(await page.locator(`svg.lineage [data-lineage-node="${models.transfer}"]`).getAttribute('aria-current')).toBe('page');
    expect(await page.locator('table.summary tbody tr').count()).toBeGreaterThanOrEqual(3);
    await page.click(`svg.lineage [data-lineage-node="${models.recipe}"]`);
    await page.waitForURL(new RegExp(`#/models/${models.recipe}$`));
    // The derived model's lineage holds both nodes too, until the base's page replaces it: wait for
    // the base to be the current node, then for its derived model beside it.
    await page.locator(`svg.lineage [data-lineage-node="${models.recipe}"][aria-current="page"]`).waitFor();
    await page.locator(`svg.lineage [data-lineage-node="${models.transfer}"]`).waitFor();
    expect(await page.locator(`svg.lineage [data-lineage-node="${models.transfer}"]`).getAttribute('aria-current')).toBeNull();
  });

  it('predicts from a drawn image', async () => {
    await page.goto(`${h.baseUrl}/#/models/${models.recipe}`);
    const canvas = page.locator('canvas.draw-canvas');
    const box = (await canvas.boundingBox())!;
    // A rough trouser: two vertical strokes.
    for (const x of [0.38, 0.62]) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.15);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.85, { steps: 12 });
      await page.mouse.up();
    }
    await page.click('.draw button:has-text("Predict")');
    const rows = page.locator('.probabilities li');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(10);
    const probabilities = await rows.evaluateAll((li) => li.map((l) => Number(l.getAttribute('data-probability'))));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(await page.locator('.probabilities').textContent()).toContain('Trouser');
  });

  it('exports the model as an ONNX download from its page', async () => {
    await page.goto(`${h.baseUrl}/#/models/${models.recipe}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.page-head button:has-text("Export ONNX")')]);
    expect(download.suggestedFilename()).toMatch(/\.onnx$/);
    const file = await download.path();
    expect(file && existsSync(file)).toBe(true);
    // An ONNX model, not an error page: a protobuf whose first field is the IR version (field 1, varint: 0x08).
    const bytes = readFileSync(file!);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes[0]).toBe(0x08);
  });

  it('a 2x2 study with 5 repeats: intervals and paired p-values through the API and the SDK, and on its page error bars, p-values, parallel coordinates and every curve', async () => {
    // No validation split: the study ranks by loss, and the curves must open on loss, not val_loss.
    const base = smallFashionJob({
      name: 'ui-study',
      dataset: { builtin: 'fashion-mnist', split: 'train', limit: 96, seed: 1 },
      validation: undefined,
      evaluate: undefined,
      fit: { epochs: 2, batchSize: 48, seed: 1 },
    });
    const created = await api('POST', '/studies', {
      name: 'ui-study',
      base,
      parameters: { '/model/layers/1/activation': ['relu', 'sigmoid'], '/compile/optimizer/learningRate': [0.003, 0.03] },
      method: 'grid',
      repeats: 5,
    });
    expect(created.trials).toBe(20);
    await waitUntil(async () => (await api('GET', `/studies/${created.id}`)).status !== 'running', 150_000);
    const study = await api('GET', `/studies/${created.id}`);
    expect(study.metric).toBe('loss');
    expect(study.metricNote).toMatch(/^ranked by loss: the base spec has no validation data/);
    // Through the API: 5 paired repeats a row, a 95% interval around each mean, p-values against the best.
    expect(study.ranking.map((r: { n: number }) => r.n)).toEqual([5, 5, 5, 5]);
    for (const r of study.ranking) expect(r.ci95[0] < r.mean && r.mean < r.ci95[1]).toBe(true);
    expect(study.ranking[0].vsBest).toBeNull();
    for (const r of study.ranking.slice(1)) {
      expect(r.vsBest).toMatchObject({ n: 5, test: 't' });
      expect(r.vsBest.pValue).toBeGreaterThanOrEqual(0);
      expect(r.vsBest.pValue).toBeLessThanOrEqual(1);
      expect(r.vsBest.ci95[0]).toBeLessThanOrEqual(r.vsBest.diff);
    }
    // Through the SDK, with the Wilcoxon test: 5 pairs, exact, so never below 2/32.
    const viaSdk = await new TrainingClient({ baseUrl: h.baseUrl }).getStudy(created.id, { test: 'wilcoxon' });
    expect(viaSdk.ranking.map((r) => r.ci95)).toEqual(study.ranking.map((r: { ci95: unknown }) => r.ci95));
    for (const r of viaSdk.ranking.slice(1)) expect(r.vsBest).toMatchObject({ n: 5, test: 'wilcoxon', pValue: expect.any(Number) });
    expect(Math.min(...viaSdk.ranking.slice(1).map((r) => r.vsBest!.pValue!))).toBeGreaterThanOrEqual(0.0625);

    // The Studies section appears because this server has GET /studies.
    await page.goto(`${h.baseUrl}/#/jobs`);
    await page.click('nav a:has-text("Studies")');
    const row = page.locator(`tr:has(a[href="#/studies/${created.id}"])`);
    await row.waitFor();
    expect(await row.locator('td.num').textContent()).toBe('20');
    await row.locator('a').click();
    await page.waitForURL(new RegExp(`#/studies/${created.id}$`));
    const rows = page.locator('table.ranking tbody tr');
    await rows.nth(3).waitFor();
    expect(await rows.count()).toBe(4);

    // Error bars: every row's 95% interval, as the API gives it; std shown, never 0.0000 for n = 5.
    for (let i = 0; i < 4; i++) {
      const ci = study.ranking[i].ci95 as [number, number];
      expect(await rows.nth(i).locator('svg.error-bar').getAttribute('data-ci')).toBe(ci.join(','));
      expect(await rows.nth(i).locator('svg.error-bar line').count()).toBe(3);
      expect(await rows.nth(i).locator('td.std').textContent()).not.toBe('0.0000');
    }
    // Paired p-values against the best: none on the best row, the API's on the others.
    expect(await rows.nth(0).locator('.vs-best').count()).toBe(0);
    for (let i = 1; i < 4; i++) expect(Number(await rows.nth(i).locator('.vs-best').getAttribute('data-p'))).toBe(study.ranking[i].vsBest.pValue);
    // The Wilcoxon test on request: the exact p-value of 5 pairs is never below 2/32.
    await page.selectOption('select.study-test', 'wilcoxon');
    await page.waitForFunction(() => [...document.querySelectorAll('.vs-best')].some((e) => (e as HTMLElement).title.includes('Wilcoxon')));
    for (let i = 1; i < 4; i++) expect(Number(await rows.nth(i).locator('.vs-best').getAttribute('data-p'))).toBeGreaterThanOrEqual(0.0625);

    // Parallel coordinates: one axis per parameter and one for the metric, one line per trial.
    const parallel = page.locator('figure.parallel');
    expect(await parallel.getAttribute('data-axes')).toBe('3');
    expect(await parallel.locator('polyline.trial-line').count()).toBe(20);
    expect(await parallel.locator('g.axis[data-axis="loss"]').count()).toBe(1);

    // The curves open on a metric the trials have.
    expect(await page.inputValue('select.curve-metric')).toBe('loss');
    expect(await page.locator('select.curve-metric option[value="val_loss"]').count()).toBe(0);
    const chart = page.locator('figure.chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-points')).toBe('2');
    // uPlot's legend: the x series plus one curve per trial.
    expect(await chart.locator('.u-legend .u-series').count()).toBe(21);
  }, 240_000);

  it('adds a webhook on its settings page (a refused destination named), and shows a job end in its delivery log', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        received.push(String(req.headers['webhook-id']));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      await page.goto(`${h.baseUrl}/#/webhooks`);
      await page.fill('form input[type=url]', `http://127.0.0.2:${port}/hook`);
      await page.click('form button[type=submit]');
      await page.getByText('loopback').first().waitFor();
      await page.fill('form input[type=url]', `http://127.0.0.1:${port}/hook`);
      await page.click('form button[type=submit]');
      const note = page.locator('p.note[role=status] code');
      await note.waitFor();
      expect(await note.textContent()).toMatch(/^whsec_/);
      await page.locator(`a:has-text("127.0.0.1:${port}/hook")`).click();

      const { id } = await api('POST', '/jobs', smallFashionJob({ name: 'hooked', fit: { epochs: 1, batchSize: 32, seed: 1 } }));
      expect((await waitForJob(h, id)).status).toBe('succeeded');
      await waitUntil(async () => received.length > 0, 30_000);
      await waitUntil(async () => {
        await page.click('button:has-text("Refresh")');
        return (await page.locator('tbody tr:has-text("job.succeeded")').count()) > 0;
      }, 30_000);
      expect(await page.locator('tbody tr:has-text("job.succeeded")').first().textContent()).toContain('200');
    } finally {
      receiver.close();
    }
  }, 120_000);

  // Last: it turns access control on for the rest of this harness.
  it('asks for an API key once access control is on, keeps it for the tab only, and streams events with it', async () => {
    // Open local mode ends with the first key (API.md, "Access control").
    const tenants = await api('GET', '/admin/tenants');
    const tenantId = tenants.items.find((t: { name: string }) => t.name === 'default').id;
    const { key } = await api('POST', '/admin/keys', { tenantId, role: 'member', name: 'dashboard-test' });
    const withKey = { authorization: `Bearer ${key}` };
    const created = (
      await h.app.inject({
        method: 'POST',
        url: '/jobs',
        headers: withKey,
        payload: smallFashionJob({ name: 'with-key', fit: { epochs: 2, batchSize: 32, seed: 1 } }),
      })
    ).json();
    expect(created.status).toBe('queued');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const tab = await context.newPage();
    await tab.goto(`${h.baseUrl}/#/jobs/${created.id}`);
    const prompt = tab.locator('[role=dialog]');
    await prompt.waitFor();
    await tab.fill('[role=dialog] input[type=password]', 'not-a-key');
    await tab.click('[role=dialog] button[type=submit]');
    await tab.getByText('The API refused this key').waitFor();
    await tab.fill('[role=dialog] input[type=password]', key);
    await tab.click('[role=dialog] button[type=submit]');
    await tab.locator('.page-head [data-status=succeeded]').waitFor({ timeout: 120_000 });
    await tab.waitForFunction(() => document.querySelector('figure.chart')?.getAttribute('data-points') === '2');
    expect(await prompt.count()).toBe(0);
    expect(await tab.evaluate(() => [sessionStorage.getItem('training-dashboard.api-key'), localStorage.length])).toEqual([key, 0]);

    // Another browser session starts without it.
    const other = await browser.newContext();
    const fresh = await other.newPage();
    await fresh.goto(`${h.baseUrl}/#/jobs`);
    await fresh.locator('[role=dialog]').waitFor();
    await other.close();
    await context.close();
  }, 180_000);
});
