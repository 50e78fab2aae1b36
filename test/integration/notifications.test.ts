import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listen, type Listener } from '../../src/infra/db/notifications.js';
import { waitUntil } from '../support/harness.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * The LISTEN connection the webhook dispatchers wake on: what it hears, and that it comes back by
 * itself after its backend is terminated or the database is unreachable for a while.
 */
describe('listen (PostgreSQL notifications on a connection of their own)', () => {
  const url = inject('databaseUrl');
  let admin: pg.Client;
  let proxy: TcpProxy;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    await admin?.end();
    await proxy?.close();
  });

  /** A listener on a channel of its own, shown in pg_stat_activity under the channel's name. */
  function start(listenUrl: string) {
    const channel = `test_${randomUUID().slice(0, 8)}`;
    const heard: string[] = [];
    const states: boolean[] = [];
    const errors: Error[] = [];
    const listener: Listener = listen({
      url: listenUrl,
      channel,
      applicationName: channel,
      onNotification: (payload) => heard.push(payload),
      onListening: (on) => states.push(on),
      onError: (err) => errors.push(err),
    });
    const backends = async () =>
      (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [channel])).rows.map((r) => r.pid);
    const notify = (payload: string, on = channel) => admin.query('SELECT pg_notify($1, $2)', [on, payload]);
    return { channel, listener, heard, states, errors, backends, notify };
  }

  it('hears its channel only; after its backend is terminated it listens again on a new one; closed, it is gone for good', async () => {
    const l = start(url);
    try {
      await waitUntil(async () => l.listener.listening, 10_000);
      await l.notify('', `${l.channel}_other`);
      await l.notify('one');
      await waitUntil(async () => l.heard.length >= 1, 5_000);
      const [first] = await l.backends();
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      await waitUntil(async () => l.states.length >= 3, 10_000);
      expect(l.states).toEqual([true, false, true]);
      expect(l.errors.map((e) => (e as { code?: string }).code)).toEqual(['57P01']);
      const now = await l.backends();
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(first);
      await l.notify('two');
      await waitUntil(async () => l.heard.length >= 2, 5_000);
      expect(l.heard).toEqual(['one', 'two']);
    } finally {
      await l.listener.close();
    }
    expect(l.listener.listening).toBe(false);
    await waitUntil(async () => (await l.backends()).length === 0, 5_000);
    // Longer than the first tries of a reconnect would wait: none is made after close.
    await new Promise((r) => setTimeout(r, 600));
    expect(await l.backends()).toEqual([]);
    expect(l.states).toEqual([true, false, true, false]);
  });

  it('keeps trying with backoff while the database cannot be reached, reporting the drop and the first failed try only; listens again once it can', async () => {
    const l = start(viaProxy(url, proxy));
    try {
      await waitUntil(async () => l.listener.listening, 10_000);
      proxy.cut();
      await waitUntil(async () => !l.listener.listening, 5_000);
      const cutAt = Date.now();
      // Tries again within 0.25 s, then 0.5 s, then 1 s (doubling, jittered): at least two fail meanwhile.
      await new Promise((r) => setTimeout(r, 1_500));
      // The drop and the first failed try, not one line per try.
      expect(l.errors).toHaveLength(2);
      proxy.restore();
      await waitUntil(async () => l.listener.listening, 10_000);
      expect(Date.now() - cutAt).toBeLessThan(10_000);
      await l.notify('back');
      await waitUntil(async () => l.heard.includes('back'), 5_000);
    } finally {
      proxy.restore();
      await l.listener.close();
    }
  });
});
