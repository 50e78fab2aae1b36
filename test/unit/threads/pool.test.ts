import { describe, expect, it } from 'vitest';
import { threadPools } from '../../support/thread-pools.js';
import { ServiceError } from '../../../src/core/errors.js';

const bytes = (text: string) => new TextEncoder().encode(text);
/** A CSV big enough that parsing it takes a while (about 200k rows). */
const bigCsv = () => 'a,b,label\n' + Array.from({ length: 200_000 }, (_, i) => `${i},${i * 2},${i % 3}`).join('\n');

describe('thread pool (worker threads for request work)', () => {
  const make = threadPools();

  it('parses a CSV in a data thread and rebuilds the client error of a bad one (400 naming the cell)', { timeout: 120_000 }, async () => {
    const pool = make({ threads: 1 });
    await pool.warm();
    const ok = await pool.run('parseCsv', { bytes: bytes('a,b,label\n1,2,x\n3,4,y\n'), labelColumn: 'label' });
    expect(ok.dataset.featureShape).toEqual([2]);
    expect(ok.labelNames).toEqual(['x', 'y']);
    const bad = await pool.run('parseCsv', { bytes: bytes('a,label\n0x10,x\n'), labelColumn: 'label' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ details: expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('/rows/') })]) });
    const json = await pool.run('parseJsonDataset', { bytes: bytes('{"name":"n","features":[[1]],"extra":1}') }).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(ServiceError);
    expect((json as ServiceError).statusCode).toBe(400);
    expect((json as ServiceError).details?.[0].path).toBe('/extra');
  });

  it('answers 503 when a task runs past its time limit, and the pool keeps working', { timeout: 120_000 }, async () => {
    const pool = make({ threads: 1, timeoutMs: 50 });
    await pool.warm();
    const err = await pool.run('parseCsv', { bytes: bytes(bigCsv()), labelColumn: 'label' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).statusCode).toBe(503);
    const ok = await pool.run('parseCsv', { bytes: bytes('a,b\n1,2\n') }, { timeoutMs: 60_000 });
    expect(ok.dataset.featureShape).toEqual([2]);
  });

  it('answers 503 at once when more tasks wait than the queue holds', { timeout: 120_000 }, async () => {
    const pool = make({ threads: 1, maxQueue: 1 });
    await pool.warm();
    const csv = bigCsv();
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => pool.run('parseCsv', { bytes: bytes(csv), labelColumn: 'label' })));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as ServiceError);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const e of refused) expect(e.statusCode).toBe(503);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
  });

  it('with 0 threads runs the same tasks on the calling thread', async () => {
    const pool = make({ threads: 0 });
    const ok = await pool.run('parseJsonDataset', { bytes: bytes('{"name":"n","features":[[1,2]],"labels":[0]}') });
    expect(ok.name).toBe('n');
    expect(ok.dataset.featureShape).toEqual([2]);
  });
});
