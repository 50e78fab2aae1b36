import { describe, expect, it } from 'vitest';
import { classifyAddress, ipv6Groups, parseAllowHosts } from '../../../../src/features/webhooks/address-rules.js';

/** Address parsing alone: nothing here opens a socket or asks a resolver. */
describe('classifyAddress', () => {
  it('names the rule of every refused IPv4 range', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.169.254', 'metadata'],
      ['169.254.1.1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.1', 'reserved'],
    ];
    for (const [address, rule] of cases) expect(classifyAddress(address), address).toBe(rule);
  });

  it('lets addresses outside the ranges through, including their neighbours', () => {
    for (const address of ['8.8.8.8', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '11.0.0.0', '223.255.255.255']) {
      expect(classifyAddress(address), address).toBeNull();
    }
  });

  it('names the rule of every refused IPv6 range, with IPv4 inside IPv6 looked through or refused', () => {
    const cases: Array<[string, string]> = [
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::', 'unspecified'],
      ['fd00:ec2::254', 'metadata'],
      ['fd12:3456::1', 'private'],
      ['fc00::1', 'private'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'ipv4-mapped'],
      ['::ffff:8.8.8.8', 'ipv4-mapped'],
      ['::ffff:7f00:1', 'ipv4-mapped'],
      ['::127.0.0.1', 'ipv4-mapped'],
      ['64:ff9b::a00:1', 'private'],
      ['64:ff9b::169.254.169.254', 'metadata'],
      ['64:ff9b:1::a00:1', 'reserved'],
      ['64:ff9b:1:ffff::1', 'reserved'],
      ['2002:7f00:1::', 'loopback'],
      ['2002:c0a8:101::1', 'private'],
      ['2001::1', 'ipv6-tunnel'],
      ['2001:db8::1', 'reserved'],
    ];
    for (const [address, rule] of cases) expect(classifyAddress(address), address).toBe(rule);
    for (const address of ['2606:4700::1111', '2a00:1450:4001::1', '64:ff9b::808:808', '2002:808:808::1']) expect(classifyAddress(address), address).toBeNull();
  });

  it('expands :: and a trailing dotted quad into eight groups', () => {
    expect(ipv6Groups('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups('fe80::')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(ipv6Groups('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('throws for a text that is no IP address', () => {
    for (const text of ['localhost', '127.1', '1.2.3.4.5', '', '::g', '__proto__']) expect(() => classifyAddress(text), text).toThrow(/not an IP address/);
  });
});

describe('parseAllowHosts', () => {
  it('takes comma-separated hosts, case and brackets aside, and skips blanks', () => {
    expect([...parseAllowHosts(' 127.0.0.1, Hooks.Internal ,[::1],, ')]).toEqual(['127.0.0.1', 'hooks.internal', '::1']);
    expect(parseAllowHosts(undefined).size).toBe(0);
  });
});
