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
        `(this process, 127.0.0.1, no request logging), ${rounds} rounds; ratio = route 2xx answers/s (a 503 "busy" is not throughput) / hello-world req/s of the same round, median over rounds. ` +
        `Data: 60 ended jobs with 10 epochs each. Load average at the end: ${load1()}.`,
    );
    say();
    say(
      table(
        ['route', 'target', 'ratio (median)', 'ratios per round', 'route 2xx/s', 'hello-world req/s', 'p99 (ms)', 'non-2xx'],
        rows.map((r) => [r.name, `>= ${pct(r.target)}`, `**${pct(r.ratio)}**`, r.ratios.map(pct).join(', '), r.rps.map(Math.round).join(', '), r.helloRps.map(Math.round).join(', '), r.p99.join(', '), r.non2xx]),
      ),
    );
    say();
    for (const line of WHERE_THE_TIME_WENT) say(line);
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
        `job wall time = the run's startedAt -> finishedAt (written by the training process: data from its cache, model build, the epochs with their metrics rows and checkpoints, the model saved), ` +
        `training loop = the sum of its epochs' own time (\`durationMs\`, the \`model.fit\` epoch); overhead = (wall - loop) / wall. Load average at the end: ${load1()}.`,
    );
    say();
    say(
      table(
        ['job wall (s)', 'training loop (s)', 'overhead (target <= 5%)', 'epochs (s)', 'queued -> started (ms)'],
        [[sec(r.wallMs), sec(r.loopMs), `**${pct(r.overhead)}**`, r.epochs.map((ms) => sec(ms)).join(', '), r.queuedMs]],
      ),
    );
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

/**
 * The profile behind the changes to GET /jobs/:id and GET /jobs (issue 12), kept with part (f)
 * so a re-run keeps it. Re-profile with `npm run bench:profile -- job|list|submit|all [seconds]`.
 */
const WHERE_THE_TIME_WENT = [
  '### Where the time went (profiled 2026-11-29, `npm run bench:profile`, load average 6-10 on the shared 2-core machine)',
  '',
  'V8 CPU profile of the API process during the 6 s autocannon load only (the profiler behind `--cpu-prof`, started over the inspector; summaries by package and function: `bench/profile-summary.ts`).',
  '',
  '- **GET /jobs/:id, before: 139 req/s = 4.6% of a hello-world at 3,011 req/s.** Self time: 29% idle (waiting on PostgreSQL, which shares the 2 cores), 19% inside `@prisma/client` (query planning and result mapping in JS), 13% `writev` (socket writes: the pg queries and the response), 8% pg/pg-protocol/pg-pool. Prisma\'s `findFirst({ include: { epochs: { take: 1 }, model } })` ran **three queries one after the other** (run, epochs, model), and the epochs query had **no LIMIT**: Prisma applies `take` per parent in memory, so it read every epoch of the run (for GET /jobs, of every run on the page: 20 jobs x 1,000 epochs = 20,000 rows to show 20).',
  '- **Change 1:** one SQL statement per read (`src/services/job-reads.ts`): the last epoch through a `LEFT JOIN LATERAL (... ORDER BY epoch DESC LIMIT 1)` on the (runId, epoch) primary key, the model id by a join, the filters and keyset cursor in the WHERE. Through `$queryRaw`: 310 req/s, 6.9% (hello-world 4,492). Prisma\'s raw-query path was still 15% of the profile.',
  '- **Change 2:** those two statements run on the client\'s own pg pool (`createPrisma` now builds the pool it gives PrismaPg, `poolOf(db)` hands it out) as **named prepared statements**: planned once per connection, no query-engine work per call. In a micro-benchmark of the same read (10 in flight): Prisma include 240/s and 2.4 ms of Node CPU each, one SQL via `$queryRaw` 618/s and 0.82 ms, pg unnamed 1,172/s and 0.33 ms, pg prepared 1,959/s and 0.23 ms. Result: **GET /jobs/:id 546 req/s = 18.7%** (hello-world 2,927), **GET /jobs?limit=20 428 req/s = 14.6%** (2,939). What is left in their profiles: idle (PostgreSQL) 23-29%, `writev` 10-16%, pg result parsing 7-10%, Fastify 3-7%.',
  '- **POST /jobs is not there.** Every answer counts only if it is a 2xx here: at 50 connections, 1,821 of ~1,900 answers in 6 s were `503 busy` (issue 9\'s worker-thread pool takes 1 thread + 32 waiting spec checks on this machine; autocannon re-sends each refusal at once), so the API spent its time refusing: 12 accepted jobs/s = 0.2% (hello-world 5,252). One submission alone takes about 32 ms (medians of 50 in a row, load 6): spec check 6.5 ms (of which 2.5 ms CPU builds the tfjs model in the thread), fair tag + insert 14.4 ms (three aggregate queries), enqueue 5.6 ms, audit 5.3 ms; since then main added a per-tenant advisory-locked transaction with quota checks around the insert. Not changed in this issue (out of time); the next steps would be: a cache of spec-check results keyed by the spec and the data shape (a repeated architecture, as in a study or a retry, is not built again), refusing with 503 before the body is parsed when the pool is full, and one statement for the fair tag.',
];
