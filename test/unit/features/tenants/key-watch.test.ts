import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyWatch, type KeyEnded } from '../../../../src/features/tenants/key-watch.js';
import type { Db } from '../../../../src/infra/db/prisma.js';

type Row = { id: string; revokedAt: Date | null; expiresAt: Date | null };

/** The one table KeyWatch reads, in memory, counting its queries. */
function fakeDb(rows: Row[]) {
  const state = { queries: 0, fail: false };
  const db = {
    apiKey: {
      findMany: async ({ where }: { where: { id: { in: string[] } } }) => {
        state.queries++;
        if (state.fail) throw new Error('database down');
        return rows.filter((r) => where.id.in.includes(r.id));
      },
    },
  } as unknown as Db;
  return { db, state };
}

const key = (over: Partial<Row> = {}): Row => ({ id: randomUUID(), revokedAt: null, expiresAt: null, ...over });
/** Lets `ms` of timers run, and the queries they start settle. */
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('KeyWatch (event streams end with their key)', () => {
  let watch: KeyWatch | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    watch?.close();
    vi.useRealTimers();
  });

  it('reads every watched key in one query per interval, however many streams, and ends the streams of the keys no longer valid', async () => {
    const valid = key();
    const revoked = key();
    const expired = key({ expiresAt: new Date(Date.now() + 150) });
    const deleted = key();
    const rows = [valid, revoked, expired, deleted];
    const { db, state } = fakeDb(rows);
    watch = new KeyWatch(db, 100);
    const ended = new Map<string, KeyEnded[]>();
    for (const row of rows) for (let i = 0; i < 50; i++) watch.watch(row.id, (e) => ended.set(row.id, [...(ended.get(row.id) ?? []), e]));
    await sleep(150);
    expect(state.queries).toBe(1);
    expect(ended.size).toBe(0);

    revoked.revokedAt = new Date();
    rows.splice(rows.indexOf(deleted), 1);
    await sleep(100);
    expect(state.queries).toBe(2);
    expect(ended.get(revoked.id)).toHaveLength(50);
    expect(ended.get(revoked.id)![0]).toEqual({ error: 'unauthorized', message: 'the API key was revoked', details: [] });
    expect(ended.get(expired.id)?.[0].message).toBe('the API key expired');
    expect(ended.get(deleted.id)?.[0].message).toBe('the API key no longer exists');
    expect(ended.has(valid.id)).toBe(false);
  });

  it('ends the streams of a key revoked here at once; an unwatched stream and keys that cannot be revoked are left alone', async () => {
    const { db, state } = fakeDb([]);
    watch = new KeyWatch(db, 60_000);
    const id = randomUUID();
    const ends: string[] = [];
    watch.watch(id, () => ends.push('a'));
    const stop = watch.watch(id, () => ends.push('b'));
    stop();
    watch.watch(null, () => ends.push('open mode'));
    watch.watch('env:ADMIN_API_KEY', () => ends.push('env key'));
    watch.revoked(id);
    watch.revoked(id);
    expect(ends).toEqual(['a']);
    expect(state.queries).toBe(0);
  });

  it('keeps the streams open while the database does not answer, and asks again; stops asking once nothing is watched', async () => {
    const row = key();
    const { db, state } = fakeDb([row]);
    state.fail = true;
    watch = new KeyWatch(db, 50);
    let ended = false;
    const stop = watch.watch(row.id, () => (ended = true));
    await sleep(180);
    expect(state.queries).toBeGreaterThanOrEqual(2);
    expect(ended).toBe(false);
    stop();
    await sleep(120);
    const after = state.queries;
    await sleep(150);
    expect(state.queries).toBe(after);
  });
});
