/** Parts (f)-(i) of `npm run bench`, as markdown: see bench/service.ts for what each measures. */
import { load1, median, sec, table } from './common.js';
import { apiRatios, jobOverhead, pickup, scaling } from './service.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function serviceBenchmarks(only: Set<string>, say: (line?: string) => void): Promise<void> {
  if (!process.env.DATABASE_URL) {
    say('## (f)-(i) Service benchmarks');
    say();
    say('Skipped: they need `DATABASE_URL` (and `REDIS_URL` for the Redis rows).');
    say();
    return;
  }
  if (only.has('f')) {
    const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 8);
    const rounds = Number(process.env.BENCH_LOAD_ROUNDS ?? 3);
    const rows = await apiRatios(seconds, rounds);
    say('## (f) API throughput against a Fastify hello-world');
    say();
    say(
      `autocannon, 50 connections, ${seconds} s per run, in its own process; each route measured right after a hello-world run served the same way ` +
        `(this process, 127.0.0.1, no request logging), ${rounds} rounds; ratio = route req/s / hello-world req/s of the same round, median over rounds. ` +
        `Data: 60 ended jobs with 10 epochs each. Load average at the end: ${load1()}.`,
    );
    say();
    say(
      table(
        ['route', 'target', 'ratio (median)', 'ratios per round', 'route req/s', 'hello-world req/s', 'p99 (ms)', 'non-2xx'],
        rows.map((r) => [r.name, `>= ${pct(r.target)}`, `**${pct(r.ratio)}**`, r.ratios.map(pct).join(', '), r.rps.map(Math.round).join(', '), r.helloRps.map(Math.round).join(', '), r.p99.join(', '), r.non2xx]),
      ),
    );
    say();
  }
  if (only.has('g')) {
    const jobs = Number(process.env.BENCH_PICKUP_JOBS ?? 11);
    const rows = [await pickup('postgres', jobs)];
    if (process.env.REDIS_URL) rows.unshift(await pickup('redis', jobs));
    say('## (g) Queue pickup: created -> started, idle worker');
    say();
    say(`One worker process (\`start:worker\`), ${jobs} small jobs submitted one at a time, each once the previous ended; pickup = run.createdAt -> run.startedAt (written by the training process). Load average at the end: ${load1()}.`);
    say();
    say(
      table(
        ['queue', 'target p50', 'first job (ms)', 'p50, jobs 2+ (ms)', 'p99, jobs 2+ (ms)', 'all (ms)'],
        rows.map((r) => [r.backend, r.backend === 'redis' ? '<= 50 ms' : '<= 250 ms', r.first, `**${r.p50}**`, r.p99, r.all.join(', ')]),
      ),
    );
    say();
  }
  if (only.has('h')) {
    const samples = Number(process.env.BENCH_OVERHEAD_SAMPLES ?? 10_000);
    const r = await jobOverhead(samples, 10);
    say('## (h) Worker overhead around the training loop');
    say();
    say(
      `A 10-epoch job on ${samples.toLocaleString('en-US')} Fashion-MNIST samples (784-32-10, batch 64, diagnostics off) through a real worker, after a warm-up job; ` +
        `job wall time = startedAt -> finishedAt, training loop = the sum of its epochs' own time. Load average at the end: ${load1()}.`,
    );
    say();
    say(table(['job wall (s)', 'training loop (s)', 'overhead (target <= 5%)'], [[sec(r.wallMs), sec(r.loopMs), `**${pct(r.overhead)}**`]]));
    say();
  }
  if (only.has('i')) {
    const jobs = Number(process.env.BENCH_SCALING_JOBS ?? 20);
    const r = await scaling(jobs);
    say('## (i) 1 vs 2 worker processes');
    say();
    say(`${jobs} small jobs (256 samples, 1 epoch) queued at once, after one warm-up job per worker; jobs per minute until the last ended. Load average at the end: ${load1()}.`);
    say();
    say(table(['workers', 'jobs per minute'], r.rows.map((x) => [x.workers, x.jobsPerMinute.toFixed(1)])));
    say();
    say(`Scaling factor (2 workers / 1): **${r.factor.toFixed(2)}**${median([r.factor]) < 1.2 ? ' (this machine has 2 cores shared with the database and other work)' : ''}.`);
    say();
  }
}
