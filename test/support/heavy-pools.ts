import { afterAll } from 'vitest';
import { createHeavyPool, type HeavyPool } from '../../src/threads/pool.js';

/** Makes heavy pools for one describe block (quiet logs unless given) and closes them after it. */
export function heavyPools(): (opts: Parameters<typeof createHeavyPool>[0]) => HeavyPool {
  const pools: HeavyPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });
  return (opts) => {
    const pool = createHeavyPool({ log: () => {}, ...opts });
    pools.push(pool);
    return pool;
  };
}
