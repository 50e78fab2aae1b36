/**
 * `npm run bench:dashboard`: how the dashboard copes with a big job - 1,000 epochs x 100 layers -
 * in Debian's Chromium. The built page (ui/dist) is served by the API's own dashboard plugin,
 * next to synthetic API answers (no database), so what is measured is the browser's work and
 * the transfer of the diagnostics JSON:
 *   curves    navigation start -> both charts at 1,000 points (page clock)
 *   load      navigation start -> the curves and the heat-map at 1,000 x 100 (page clock)
 *   switch    heat-map colour metric changed -> next painted frame (median of 5)
 *   resize    window width changed -> next painted frame (median of 5)
 *   longest   the longest main-thread task seen (PerformanceObserver 'longtask')
 * Writes bench/dashboard-results.md (BENCH_OUT to change, empty to skip).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify from 'fastify';
import dashboard from '../src/http/plugins/dashboard.js';
import { launchChromium } from '../test/support/browser.js';

const EPOCHS = 1000;
const LAYERS = 100;
const JOB = '00000000-0000-4000-8000-000000000001';
const OUT = process.env.BENCH_OUT ?? path.join(import.meta.dirname, 'dashboard-results.md');

const spec = { name: 'big', fit: { epochs: 800 }, fineTune: { epochs: 200 }, model: { layers: [] } };
const row = (e: number) => ({
  epoch: e,
  phase: e > 800 ? 'fine_tune' : 'train',
  loss: 2 / Math.sqrt(e),
  accuracy: 1 - 0.9 / Math.sqrt(e),
  val_loss: 2.1 / Math.sqrt(e),
  val_accuracy: 1 - 1 / Math.sqrt(e),
  durationMs: 100,
});
const epochs = Array.from({ length: EPOCHS }, (_, i) => row(i + 1));
const events = [
  'id: 0\nevent: status\ndata: {"status":"queued"}\n\n',
  'id: 1\nevent: status\ndata: {"status":"running"}\n\n',
  ...epochs.map((r) => `id: ${r.epoch + 1}\nevent: epoch\ndata: ${JSON.stringify(r)}\n\n`),
  `id: ${EPOCHS + 2}\nevent: status\ndata: {"status":"succeeded","error":null}\n\n`,
].join('');
const diagnostics = {
  epochs: epochs.map((r) => ({
    epoch: r.epoch,
    layers: Array.from({ length: LAYERS }, (_, l) => ({
      name: `dense_${l}`,
      gradNorm: 10 ** (-6 + (5 * l) / LAYERS) * (1 + Math.sin(r.epoch / 50) / 3),
      weightNorm: 1,
      updateRatio: 1e-3,
      activationMean: 0,
      activationStd: 1,
      deadFraction: (l % 7) / 7,
    })),
  })),
  warnings: [],
};
const job = {
  id: JOB,
  name: 'big',
  status: 'succeeded',
  backend: 'synthetic',
  createdAt: new Date().toISOString(),
  startedAt: new Date().toISOString(),
  finishedAt: new Date().toISOString(),
  error: null,
  modelId: null,
  metrics: epochs[EPOCHS - 1],
  evaluation: null,
  warnings: [],
  attempts: 1,
  resumedFromEpoch: null,
  progress: null,
  spec,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const app = Fastify();
await app.register(dashboard);
app.get(`/jobs/${JOB}`, async () => job);
app.get(`/jobs/${JOB}/diagnostics`, async () => diagnostics);
app.get(`/jobs/${JOB}/events`, async (_req, reply) => reply.type('text/event-stream').send(events));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    (window as any).__longest = 0;
    // When (page clock, from navigation start) the curves and the heat-map first show everything.
    const seen: Record<string, number> = ((window as any).__seen = {});
    new MutationObserver(() => {
      if (!seen.curves && document.querySelector('figure.chart[data-points="1000"]')) seen.curves = performance.now();
      if (!seen.heatmap && document.querySelector('.heatmap[data-epochs="1000"][data-layers="100"]')) seen.heatmap = performance.now();
    }).observe(document, { subtree: true, attributes: true, childList: true });
    new PerformanceObserver((list) => list.getEntries().forEach((e) => ((window as any).__longest = Math.max((window as any).__longest, e.duration)))).observe({
      type: 'longtask',
      buffered: true,
    });
  });

  await page.goto(`${base}/#/jobs/${JOB}`);
  await page.locator(`figure.chart[data-points="${EPOCHS}"]`).first().waitFor({ timeout: 120_000 });
  await page.locator(`.heatmap[data-epochs="${EPOCHS}"][data-layers="${LAYERS}"]`).waitFor({ timeout: 120_000 });
  const seen = await page.evaluate(() => (window as any).__seen as { curves: number; heatmap: number });
  const [curves, load] = [Math.round(seen.curves), Math.round(Math.max(seen.curves, seen.heatmap))];

  const frameAfter = (action: string) =>
    page.evaluate(async (what) => {
      const start = performance.now();
      if (what.startsWith('metric:')) {
        const select = document.querySelector('.heatmap select') as HTMLSelectElement;
        select.value = what.slice(7);
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - start;
    }, action);
  const switches: number[] = [];
  for (const m of ['updateRatio', 'activationStd', 'deadFraction', 'gradNorm', 'updateRatio']) switches.push(await frameAfter(`metric:${m}`));
  const resizes: number[] = [];
  for (const width of [1100, 1440, 1280, 1920, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    resizes.push(await frameAfter('resize'));
  }
  const longest = await page.evaluate(() => (window as any).__longest as number);
  const lines = [
    '# Dashboard benchmark',
    '',
    `Job page with ${EPOCHS} epochs (train + validation loss and accuracy, fine-tune phase shaded) and a ${LAYERS}-layer heat-map (${EPOCHS * LAYERS} cells), in ${await browser.version()} headless, software rendering, on ${process.env.BENCH_MACHINE ?? 'this machine'}. \`npm run bench:dashboard\`.`,
    '',
    '| what | time |',
    '| --- | --- |',
    `| curves: navigation start to both charts at ${EPOCHS} points | ${curves} ms |`,
    `| load: navigation start to the curves and the heat-map drawn (includes parsing ${(JSON.stringify(diagnostics).length / 1e6).toFixed(1)} MB of diagnostics JSON and ${EPOCHS + 3} events) | ${load} ms |`,
    `| heat-map metric switch to the next frame (median of 5) | ${median(switches).toFixed(0)} ms |`,
    `| window resize to the next frame (median of 5) | ${median(resizes).toFixed(0)} ms |`,
    `| longest main-thread task during all of it | ${longest.toFixed(0)} ms |`,
    '',
  ];
  console.log(lines.join('\n'));
  if (OUT) await writeFile(OUT, lines.join('\n'));
} finally {
  await browser.close();
  await app.close();
}
