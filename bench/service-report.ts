/** Parts (f)-(i) of `npm run bench`, as markdown: see bench/service.ts for what each measures. */
import { load1, median, sec, table } from './common.js';
import { apiQueueBackend, apiRatios, jobOverhead, pickup, scaling } from './service.js';

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
        `Data: 60 ended jobs with 10 epochs each; the API's queue: ${apiQueueBackend()} (POST /jobs enqueues; each POST run adds its jobs to the table, so later rounds meet a larger one). Load average at the end: ${load1()}.`,
    );
    say();
    say(
      table(
        ['route', 'target', 'ratio (median)', 'ratios per round', 'route 2xx/s', 'hello-world req/s', 'p99 (ms)', 'non-2xx'],
        rows.map((r) => [
          r.name,
          `>= ${pct(r.target)}`,
          `**${pct(r.ratio)}**`,
          r.ratios.map(pct).join(', '),
          r.rps.map(Math.round).join(', '),
          r.helloRps.map(Math.round).join(', '),
          r.p99.join(', '),
          r.non2xx,
        ]),
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
    say(
      `One worker process (\`start:worker\`), ${jobs} small jobs submitted one at a time, each once the previous ended; pickup = run.createdAt -> run.startedAt (written by the training process). Load average at the end: ${load1()}.`,
    );
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
        `job wall time = the run's startedAt -> finishedAt (written by the training process: data from its cache, model build, the epochs with their metrics rows and any checkpoint due (one per CHECKPOINT_EVERY_S, 30 s by default: none in a job this short), the model saved), ` +
        `training loop = the sum of its epochs' own time (\`durationMs\`, the \`model.fit\` epoch); overhead = (wall - loop) / wall. Load average at the end: ${load1()}. ` +
        'Re-run alone: `npm run bench:workers` (parts h and i; needs DATABASE_URL, and uses Redis when REDIS_URL is set).',
    );
    say();
    say(
      table(
        ['job wall (s)', 'training loop (s)', 'overhead (target <= 5%)', 'epochs (s)', 'queued -> started (ms)'],
        [[sec(r.wallMs), sec(r.loopMs), `**${(r.overhead * 100).toFixed(2)}%**`, r.epochs.map((ms) => sec(ms)).join(', '), r.queuedMs]],
      ),
    );
    say();
  }
  if (only.has('i')) {
    const jobs = Number(process.env.BENCH_SCALING_JOBS ?? 20);
    const r = await scaling(jobs);
    say('## (i) 1 vs 2 worker processes');
    say();
    say(
      `${jobs} small jobs (256 samples, 1 epoch) submitted back to back, after one warm-up job per worker; worker processes as \`npm run start:worker\` starts them (WORKER_CONCURRENCY 1), ` +
        `on ${process.env.REDIS_URL ? 'the Redis queue' : 'the PostgreSQL queue backend'}; jobs per minute from the first submission until the last job ended. Load average at the end: ${load1()}.`,
    );
    say();
    say(
      table(
        ['workers', 'jobs per minute'],
        r.rows.map((x) => [x.workers, x.jobsPerMinute.toFixed(1)]),
      ),
    );
    say();
    say(
      `Scaling factor (2 workers / 1): **${r.factor.toFixed(2)}**${median([r.factor]) < 1.2 ? ' (this machine has 2 cores shared with the database and other work)' : ''}.`,
    );
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
  "- **GET /jobs/:id, before: 139 req/s = 4.6% of a hello-world at 3,011 req/s.** Self time: 29% idle (waiting on PostgreSQL, which shares the 2 cores), 19% inside `@prisma/client` (query planning and result mapping in JS), 13% `writev` (socket writes: the pg queries and the response), 8% pg/pg-protocol/pg-pool. Prisma's `findFirst({ include: { epochs: { take: 1 }, model } })` ran **three queries one after the other** (run, epochs, model), and the epochs query had **no LIMIT**: Prisma applies `take` per parent in memory, so it read every epoch of the run (for GET /jobs, of every run on the page: 20 jobs x 1,000 epochs = 20,000 rows to show 20).",
  "- **Change 1:** one SQL statement per read (`src/features/jobs/job-reads.ts`): the last epoch through a `LEFT JOIN LATERAL (... ORDER BY epoch DESC LIMIT 1)` on the (runId, epoch) primary key, the model id by a join, the filters and keyset cursor in the WHERE. Through `$queryRaw`: 310 req/s, 6.9% (hello-world 4,492). Prisma's raw-query path was still 15% of the profile.",
  "- **Change 2:** those two statements run on the client's own pg pool (`createPrisma` now builds the pool it gives PrismaPg, `poolOf(db)` hands it out) as **named prepared statements**: planned once per connection, no query-engine work per call. In a micro-benchmark of the same read (10 in flight): Prisma include 240/s and 2.4 ms of Node CPU each, one SQL via `$queryRaw` 618/s and 0.82 ms, pg unnamed 1,172/s and 0.33 ms, pg prepared 1,959/s and 0.23 ms. Result: **GET /jobs/:id 546 req/s = 18.7%** (hello-world 2,927), **GET /jobs?limit=20 428 req/s = 14.6%** (2,939). What is left in their profiles: idle (PostgreSQL) 23-29%, `writev` 10-16%, pg result parsing 7-10%, Fastify 3-7%.",
  "- **POST /jobs, before: 0.7% of a hello-world.** At 50 connections, 1,821 of ~1,900 answers in 6 s were `503 busy` (the worker-thread pool that builds each spec's model takes 1 thread + 32 waiting checks on this machine; autocannon re-sends each refusal at once): 12 accepted jobs/s = 0.2% (hello-world 5,252). One submission alone took about 32 ms (medians of 50 in a row, load 6): spec check 6.5 ms (2.5 ms of CPU building the tfjs model in the thread), fair tag + insert 14.4 ms (three aggregate queries), enqueue 5.6 ms, audit 5.3 ms; around the insert, a per-tenant advisory-locked Prisma transaction with the quota checks.",
  "- **Change 3: spec-check cache** (`src/features/jobs/model-check-cache.ts`). The model check is given only the spec parts it reads (`model`, `task`, `compile`, `base`, `fineTune`, `dataset.standardize`: the types `ModelCheckSpec`/`SeluCheckSpec` make the compiler refuse any other read) and its result is kept by a SHA-256 of those parts and the dataset/base facts (LRU of 1,000; concurrent identical checks share one build; a failure such as 503 busy is not kept). A repeated architecture is not built again. Result: no 503s, but **22 jobs/s, 0.1%**, and the profile was 57-63% idle: every submission of the (one) tenant waits on the tenant's advisory lock, held by a Prisma interactive transaction across 5-6 round trips.",
  "- **Change 4: one short transaction on the pg pool** (`src/features/jobs/record-run.ts`): BEGIN; the tenant lock (and the shared locks of referenced datasets/models) in one statement; one read of everything the checks need (fair-tag state, the tenant's own quotas, its queued count, which referenced datasets/models exist); one statement inserting the run with its audit row; COMMIT. New indexes `(status, fairTag)` and `(tenantId, status, fairTag)` make the fair-tag reads index probes instead of scans of every queued run. 66 jobs/s (0.4%). Measured alone, a logged commit costs **3.3 ms** here (`fdatasync`; a SELECT round trip 0.17 ms), and the tenant lock is held across it: one tenant's submissions could never pass ~250/s one transaction at a time.",
  "- **Change 5: group commit under the tenant lock.** Submissions of a tenant that arrive while its transaction runs wait for it and then go together in the next one (up to 64), each checked in order under the lock exactly as in a transaction of its own (404 for a deleted reference, 403 over the queued-jobs quota, its own fair tag seeing the ones before it), one multi-row insert of runs + audit rows, one commit. `createFairRun` alone at 10 in flight: 131/s before, **5,190/s** after. The tenant's quotas come from the same read (no Prisma query per submission).",
  "- **Where the time goes now** (profile of POST /jobs after the changes: 488 jobs/s = 3.4% of a hello-world at 14,220 req/s, while profiled, load 13): 54% idle (PostgreSQL and Redis, which share the 2 cores, and the commit's WAL flush), 10% the profiler's own inspector dispatch, 5% node internals, 3% Fastify, 2.2% the JSON-schema validation of the spec (`validate10`) and 1.5% the unstorable-string scan, 1.4% JSON parsing, 1.5% the spec-check cache (hashing the checked parts), 1.3% fair-run, 1.4% ioredis; no Prisma left on this path. Enqueue on Redis costs 0.7 ms (on the PostgreSQL queue backend 6 ms, 223/s at 10 in flight: part (f) puts the API on Redis when `REDIS_URL` is set, as the compose stack does; `BENCH_API_QUEUE=postgres` measures the other).",
];
