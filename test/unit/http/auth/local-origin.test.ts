import { describe, expect, it } from 'vitest';
import { isOwnHost, parseHostHeader, whyRefused } from '../../../../src/http/auth/local-origin.js';

describe('the keyless local mode refuses what a web page could send', () => {
  const local = { checkHost: true };

  it('parses Host headers, IPv6 in brackets, and nothing else', () => {
    expect(parseHostHeader('LocalHost:3000')).toEqual({ hostname: 'localhost', port: '3000' });
    expect(parseHostHeader('[::1]:80')).toEqual({ hostname: '[::1]', port: '80' });
    expect(parseHostHeader('127.0.0.1')).toEqual({ hostname: '127.0.0.1', port: undefined });
    for (const bad of ['', 'a b', 'user@127.0.0.1', 'http://127.0.0.1', '127.0.0.1:3000/x', '[::1']) expect(parseHostHeader(bad), bad).toBeNull();
  });

  it('serves loopback names, *.localhost and PUBLIC_HOST, and nothing that merely contains them', () => {
    for (const host of ['localhost', 'localhost:1', '127.0.0.1:3000', '127.9.9.9', '[::1]:3000', 'dash.localhost:3000', 'localhost.'])
      expect(isOwnHost(host), host).toBe(true);
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '10.0.0.1',
      '0.0.0.0:3000',
      'evil.example@127.0.0.1',
      '[::ffff:10.0.0.1]',
    ])
      expect(isOwnHost(host), host).toBe(false);
    expect(isOwnHost('train.lan:3000', 'train.lan')).toBe(true);
    expect(isOwnHost('train.lan:3000', 'train.lan:3000')).toBe(true);
    expect(isOwnHost('train.lan:4000', 'train.lan:3000')).toBe(false);
    expect(isOwnHost('other.lan', 'train.lan')).toBe(false);
  });

  it('a foreign Host is a 421 for every method; a missing one (not from a browser) is served', () => {
    expect(whyRefused({ method: 'GET', host: 'evil.example:3000' }, local)?.status).toBe(421);
    expect(whyRefused({ method: 'POST', host: 'evil.example' }, local)?.status).toBe(421);
    expect(whyRefused({ method: 'GET' }, local)).toBeNull();
    // Listening beyond loopback (AUTH=off on purpose), any name may be used.
    expect(whyRefused({ method: 'GET', host: 'evil.example' }, { checkHost: false })).toBeNull();
  });

  it('state-changing requests from another site are a 403; safe methods and own origins are served', () => {
    const host = '127.0.0.1:3000';
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(whyRefused({ method, host, origin: 'http://evil.example' }, local)?.status, method).toBe(403);
      expect(whyRefused({ method, host, secFetchSite: 'cross-site' }, local)?.path, method).toBe('/headers/sec-fetch-site');
    }
    for (const origin of ['null', 'file://', 'chrome-extension://abc', 'http://127.0.0.1.evil.example', 'not a url']) {
      expect(whyRefused({ method: 'POST', host, origin }, local)?.status, origin).toBe(403);
    }
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      expect(whyRefused({ method, host, origin: 'http://evil.example', secFetchSite: 'cross-site' }, local)).toBeNull();
    for (const origin of ['http://127.0.0.1:3000', 'http://localhost:5173', 'https://[::1]:8443'])
      expect(whyRefused({ method: 'POST', host, origin }, local), origin).toBeNull();
    expect(whyRefused({ method: 'POST', host, secFetchSite: 'same-site' }, local)).toBeNull();
    expect(whyRefused({ method: 'POST', host: 'train.lan:3000', origin: 'http://train.lan:3000' }, { checkHost: true, publicHost: 'train.lan' })).toBeNull();
    // Beyond loopback with AUTH=off the Origin check still holds: the page's own server is the only one trusted.
    expect(whyRefused({ method: 'POST', host: '10.0.0.5:3000', origin: 'http://10.0.0.5:3000' }, { checkHost: false })).toBeNull();
    expect(whyRefused({ method: 'POST', host: '10.0.0.5:3000', origin: 'http://evil.example' }, { checkHost: false })?.status).toBe(403);
  });
});
