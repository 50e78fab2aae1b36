import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICE_BYTES, stageBytea } from '../../src/infra/db/staged-bytes.js';
import { denseImport } from '../support/dense-import.js';
import { startHarness, type Harness } from '../support/harness.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('stageBytea: large byte values reach PostgreSQL in slices', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    await client.query('CREATE TEMP TABLE target (id int, bytes bytea)');
  });
  afterAll(async () => client?.end());

  const staged = async () => Number((await client.query('SELECT count(*) AS n FROM pg_temp.staged_bytes')).rows[0].n);

  it('puts a value of 2.5 slices together exactly, and leaves nothing staged after commit', async () => {
    const bytes = randomBytes(2 * SLICE_BYTES + SLICE_BYTES / 2 + 3);
    await client.query('BEGIN');
    const value = await stageBytea(client, bytes.subarray(0)); // a view, as callers pass
    expect(await staged()).toBe(3);
    await client.query(`INSERT INTO target VALUES (1, ${value.sql(1)})`, [value.param]);
    await client.query('COMMIT');
    expect(await staged()).toBe(0);
    const { rows } = await client.query('SELECT md5(bytes) AS md5, length(bytes) AS n FROM target WHERE id = 1');
    expect(rows[0]).toEqual({ md5: md5(bytes), n: bytes.length });
  });

  it('a view into a larger buffer sends only its own bytes', async () => {
    const whole = randomBytes(SLICE_BYTES + 100);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 7, SLICE_BYTES + 50);
    await client.query('BEGIN');
    const value = await stageBytea(client, view);
    await client.query(`INSERT INTO target VALUES (2, ${value.sql(1)})`, [value.param]);
    await client.query('COMMIT');
    expect((await client.query('SELECT md5(bytes) AS md5 FROM target WHERE id = 2')).rows[0].md5).toBe(md5(view));
  });

  it('a small value or null is a plain parameter; a rollback leaves nothing staged', async () => {
    await client.query('BEGIN');
    const small = await stageBytea(client, Buffer.from([1, 2, 3]));
    const none = await stageBytea(client, null);
    expect(small.sql(1)).toBe('$1::bytea');
    await client.query(`INSERT INTO target VALUES (3, ${small.sql(1)}), (4, ${none.sql(2)})`, [small.param, none.param]);
    await stageBytea(client, randomBytes(SLICE_BYTES + 1));
    expect(await staged()).toBe(2);
    await client.query('ROLLBACK');
    expect(await staged()).toBe(0);
  });
});

describe('large uploads are stored byte for byte', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('a model import of 13 MB of weights (4 slices): weights.bin is the same bytes', async () => {
    // (An import at MAX_PARAMS, 40 MB of weights in a 53 MB body, passed too, in 21 s: too long
    // for every CI run on 2 cores.)
    const { payload, bytes } = denseImport(1800, 1800);
    const body = JSON.stringify(payload);
    expect(bytes.length).toBeGreaterThan(3 * 4 * 2 ** 20);
    const created = await fetch(`${h.baseUrl}/models`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(created.status, await created.clone().text()).toBe(201);
    const res = await fetch(`${h.baseUrl}/models/${(await created.json()).id}/artifact/weights.bin`);
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    expect(md5(Buffer.from(await res.arrayBuffer()))).toBe(md5(bytes));
  }, 180_000);

  it('a JSON dataset of 4.4 MB of features: the stored bytes are its float32 values', async () => {
    const samples = 1_400; // 4.4 MB of features: two slices
    const features = Array.from({ length: samples }, (_, r) => Array.from({ length: 784 }, (_, c) => ((r * 31 + c * 7) % 1000) / 1000));
    const labels = Array.from({ length: samples }, (_, i) => i % 10);
    const res = await h.app.inject({ method: 'POST', url: '/datasets', payload: { name: 'six-mb', features, labels } });
    expect(res.statusCode, res.body).toBe(201);
    const row = await h.db.dataset.findUniqueOrThrow({ where: { id: res.json().id } });
    expect(Buffer.from(row.features).equals(Buffer.from(new Float32Array(features.flat()).buffer))).toBe(true);
    expect(Buffer.from(row.labels!).equals(Buffer.from(new Int32Array(labels).buffer))).toBe(true);
  }, 120_000);
});
