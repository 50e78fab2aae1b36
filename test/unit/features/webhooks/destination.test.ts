import { describe, expect, it } from 'vitest';
import { DestinationRefused, checkUrl, resolveDestination, type Resolver } from '../../../../src/features/webhooks/destination.js';

/** A resolver that answers what it is given and counts its calls: no DNS, no sockets. */
function fakeResolver(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve: Resolver = async (host) => {
    calls.push(host);
    const list = answers[host];
    if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DestinationRefused);
  return err as DestinationRefused;
};

describe('resolveDestination', () => {
  it('refuses a name when any of its addresses is refused, and names the rule', async () => {
    const { resolve } = fakeResolver({ 'mixed.test': ['93.184.216.34', '10.0.0.5'], 'meta.test': ['169.254.169.254'] });
    expect((await refusal(resolveDestination('https://mixed.test/hook', new Set(), resolve))).rule).toBe('private');
    const meta = await refusal(resolveDestination('http://meta.test/', new Set(), resolve));
    expect(meta.rule).toBe('metadata');
    expect(meta.message).toContain('meta.test resolves to it');
  });

  it('resolves once and gives the first checked address to connect to', async () => {
    const { resolve, calls } = fakeResolver({ 'hooks.test': ['93.184.216.34', '93.184.216.35'] });
    const dest = await resolveDestination('https://hooks.test:8443/x?y=1', new Set(), resolve);
    expect(dest).toMatchObject({ host: 'hooks.test', address: '93.184.216.34', family: 4 });
    expect(calls).toEqual(['hooks.test']);
  });

  it('lets a listed host through whatever it resolves to, and refuses one that does not resolve', async () => {
    const { resolve } = fakeResolver({ 'receiver.internal': ['10.0.0.5'] });
    expect((await resolveDestination('http://receiver.internal/', new Set(['receiver.internal']), resolve)).address).toBe('10.0.0.5');
    expect((await refusal(resolveDestination('http://nowhere.test/', new Set(), resolve))).rule).toBe('unresolved');
  });

  it('checks an IP literal without asking the resolver, in any form the URL parser accepts', async () => {
    const { resolve, calls } = fakeResolver({});
    for (const [url, rule] of [
      ['http://127.0.0.2/', 'loopback'],
      ['http://2130706434/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://[::ffff:169.254.169.254]/', 'ipv4-mapped'],
      ['http://[fd00:ec2::254]/', 'metadata'],
      ['http://0/', 'unspecified'],
    ]) {
      expect((await refusal(resolveDestination(url, new Set(), resolve))).rule, url).toBe(rule);
    }
    expect(calls).toEqual([]);
  });
});

describe('special-use names', () => {
  it('answers localhost as loopback and .invalid as unresolved without asking the resolver', async () => {
    const { resolve, calls } = fakeResolver({ localhost: ['93.184.216.34'] });
    expect((await refusal(resolveDestination('http://localhost:8080/', new Set(), resolve))).rule).toBe('loopback');
    expect((await refusal(resolveDestination('http://api.localhost/', new Set(), resolve))).rule).toBe('loopback');
    expect((await resolveDestination('http://localhost/', new Set(['localhost']), resolve)).address).toBe('127.0.0.1');
    expect((await refusal(resolveDestination('https://ci.example.invalid/', new Set(), resolve))).rule).toBe('unresolved');
    expect(calls).toEqual([]);
  });
});

describe('checkUrl', () => {
  it('refuses other schemes, credentials and text that is no URL', () => {
    expect(() => checkUrl('file:///etc/passwd', new Set())).toThrow(/scheme/);
    expect(() => checkUrl('gopher://x.test/', new Set())).toThrow(/scheme/);
    expect(() => checkUrl('https://u:p@x.test/', new Set())).toThrow(/user name or password/);
    expect(() => checkUrl('not a url', new Set())).toThrow(DestinationRefused);
    expect(checkUrl('https://x.test/a', new Set()).hostname).toBe('x.test');
  });
});
