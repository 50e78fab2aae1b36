/**
 * `npm run bench:profile -- <job|list|submit|all> [seconds]`: where an API route's time goes.
 *
 * Serves the API as part (f) of `npm run bench` does (bench/service.ts `benchApi`), loads one route
 * with autocannon (a separate process, 50 connections) and records a V8 CPU profile of this
 * process for exactly that load window (the profiler behind `node --cpu-prof`, started over the
 * inspector so start-up and seeding stay out of it). Prints the hello-world ratio of the same run
 * and the self time by function and by package, and writes the .cpuprofile to bench/profiles/
 * (open it in Chrome DevTools > Performance, or speedscope).
 * Needs DATABASE_URL (a PostgreSQL it may create and drop a schema in).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { autocannon, helloWorld, urlOf } from './api-load.js';
import { load1 } from './common.js';
import { summarizeProfile, type CpuProfile } from './profile-summary.js';
import { API_TARGETS, benchApi, type ApiTargetKey } from './service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const which = process.argv[2] ?? 'all';
const seconds = Number(process.argv[3] ?? 8);
const keys = which === 'all' ? API_TARGETS.map((t) => t.key) : [which as ApiTargetKey];
if (!keys.every((k) => API_TARGETS.some((t) => t.key === k))) {
  console.error(`usage: npm run bench:profile -- <${API_TARGETS.map((t) => t.key).join('|')}|all> [seconds]`);
  process.exit(2);
}

const api = await benchApi();
const hello = await helloWorld();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
// 100 µs between samples (V8's default is 1 ms): enough samples in a few seconds.
await session.post('Profiler.setSamplingInterval', { interval: 100 });
try {
  for (const key of keys) {
    const target = API_TARGETS.find((t) => t.key === key)!;
    const { url, body } = api.requests[key];
    const base = await autocannon(urlOf(hello, '/'), seconds);
    await session.post('Profiler.start');
    const r = await autocannon(url, seconds, body);
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    const file = path.join(here, 'profiles', `${key}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(profile));
    console.log(
      `\n## ${target.name}: ${Math.round(r.requestsPerSec)} 2xx/s (${Math.round(r.answersPerSec)} answers/s), hello-world ${Math.round(base.requestsPerSec)} req/s: ${((100 * r.requestsPerSec) / base.requestsPerSec).toFixed(1)}% (target ${target.target * 100}%), p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, load ${load1()}`,
    );
    console.log(`profile: ${path.relative(process.cwd(), file)} (profiled while loaded, so the rate above is a little lower than unprofiled)\n`);
    console.log(summarizeProfile(profile));
  }
} finally {
  session.disconnect();
  await hello.close();
  await api.close();
}
