import { afterAll } from 'vitest';
import { createThreadPool, type ThreadPool } from '../../src/threads/pool.js';

/** Makes thread pools for one describe block (quiet logs unless given) and closes them after it. */
export function threadPools(): (opts: Parameters<typeof createThreadPool>[0]) => ThreadPool {
  const pools: ThreadPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });
  return (opts) => {
    const pool = createThreadPool({ log: () => {}, ...opts });
    pools.push(pool);
    return pool;
  };
}
