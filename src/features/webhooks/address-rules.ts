/**
 * Which addresses a webhook may not reach (server-side request forgery): pure parsing and
 * classification of IPv4 and IPv6 literals, no DNS and no sockets. Each refused range has a rule
 * name, which the 400 at creation and the delivery log give.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressRule = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'multicast' | 'reserved' | 'ipv4-mapped' | 'ipv6-tunnel';

/** What each rule covers, for messages and docs. */
export const ADDRESS_RULES: Record<AddressRule, string> = {
  unspecified: '0.0.0.0/8, ::',
  loopback: '127.0.0.0/8, ::1',
  private: '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 (shared), fc00::/7 (ULA), fec0::/10',
  'link-local': '169.254.0.0/16, fe80::/10',
  metadata: '169.254.169.254, fd00:ec2::254 (cloud instance metadata)',
  multicast: '224.0.0.0/4, ff00::/8',
  reserved: '192.0.0.0/24, 192.0.2.0/24, 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24, 240.0.0.0/4, 255.255.255.255, 2001:db8::/32, 100::/64',
  'ipv4-mapped': '::ffff:0:0/96 and ::/96 (IPv4 inside IPv6)',
  'ipv6-tunnel': '2001::/32 (Teredo)',
};

type V4Range = [base: number, bits: number, rule: AddressRule];

const v4 = (text: string) => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Most specific first: the metadata address sits inside link-local. */
const V4_RANGES: V4Range[] = [
  [v4('169.254.169.254'), 32, 'metadata'],
  [v4('255.255.255.255'), 32, 'reserved'],
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('100.64.0.0'), 10, 'private'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('192.0.0.0'), 24, 'reserved'],
  [v4('192.0.2.0'), 24, 'reserved'],
  [v4('198.18.0.0'), 15, 'reserved'],
  [v4('198.51.100.0'), 24, 'reserved'],
  [v4('203.0.113.0'), 24, 'reserved'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'],
];

/** The rule an IPv4 address (dotted quad) falls under, or null when it may be reached. */
export function classifyIPv4(address: string): AddressRule | null {
  const n = v4(address);
  for (const [base, bits, rule] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (n >= base && n < base + size) return rule;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with `::` expanded and a trailing dotted quad split in two). */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = v4(quad[1]);
    text = `${text.slice(0, quad.index)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16));
}

const v4From = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** The rule an IPv6 address falls under, or null when it may be reached. */
export function classifyIPv6(address: string): AddressRule | null {
  const g = ipv6Groups(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 5) && g[5] === 0xffff) return 'ipv4-mapped';
  if (zeros(0, 6)) return 'ipv4-mapped';
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return 'metadata';
  if ((g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfec0) return 'private';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved';
  if (g[0] === 0x0100 && zeros(1, 4)) return 'reserved';
  if (g[0] === 0x2001 && g[1] === 0) return 'ipv6-tunnel';
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that decides.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return classifyIPv4(v4From(g[6], g[7]));
  if (g[0] === 0x2002) return classifyIPv4(v4From(g[1], g[2]));
  // Local-use NAT64 (64:ff9b:1::/48, RFC 8215): a network's own translator, which may reach its private IPv4.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'reserved';
  return null;
}

/** The rule an IP literal falls under; null when it may be reached; throws for a text that is no IP address. */
export function classifyAddress(address: string): AddressRule | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return classifyIPv4(bare);
  if (isIPv6(bare)) return classifyIPv6(bare);
  throw new Error(`not an IP address: ${address}`);
}

/** Whether a host (as a URL's hostname gives it) is an IP literal rather than a name. */
export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIPv4(bare) || isIPv6(bare);
}

/** WEBHOOK_ALLOW_HOSTS as a set of lower-case hosts, brackets of IPv6 literals removed. */
export function parseAllowHosts(text: string | undefined): Set<string> {
  return new Set(
    (text ?? '')
      .split(',')
      .map((h) => normalizeHost(h.trim()))
      .filter(Boolean),
  );
}

export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}
