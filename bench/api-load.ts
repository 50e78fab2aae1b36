/**
 * Load on the API, as the issue measures it: autocannon (a separate process, 50 connections) against
 * a Fastify hello-world and against the service's routes, served the same way (this process,
 * 127.0.0.1, no request logging, the real PostgreSQL), in turn within one run. Only the ratios to
 * the hello-world in the same run mean anything on a shared machine.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';

const run = promisify(execFile);

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

/** Runs autocannon against `url` for `seconds`; `body` makes it a POST with that JSON. */
export async function autocannon(url: string, seconds: number, body?: unknown): Promise<LoadResult> {
  const args = ['autocannon', '-c', '50', '-d', String(seconds), '-j'];
  if (body !== undefined) args.push('-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(body));
  const { stdout } = await run('npx', [...args, url], { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number };
  return { requestsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx };
}

/** The baseline: Fastify's hello-world, as in its README. */
export async function helloWorld(): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

export function urlOf(app: FastifyInstance, path: string): string {
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
}
