/**
 * Where a webhook's deliveries go: its URL checked against the address rules, and the one
 * address a delivery connects to. The name is resolved once; every address it resolves to must
 * pass (so a name that answers a public and a private address is refused), and the connection
 * is then made to the address that was checked, never to a second answer of the resolver.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { ADDRESS_RULES, classifyAddress, isIpLiteral, normalizeHost, type AddressRule } from './address-rules.js';

/** A destination refused: the rule, and what the rule covers. */
export class DestinationRefused extends Error {
  constructor(
    readonly rule: AddressRule | 'scheme' | 'credentials' | 'unresolved',
    message: string,
  ) {
    super(message);
    this.name = 'DestinationRefused';
  }
}

export interface Destination {
  url: URL;
  /** Lower case, brackets of an IPv6 literal removed. */
  host: string;
  /** The address to connect to, and its family. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Special-use names (RFC 6761) are answered here, never asked of DNS: `localhost` and its
 * subdomains are loopback, `.invalid` resolves to nothing (the OpenAPI example uses it, so the
 * route fuzzers never send a lookup out).
 */
async function specialUse(host: string, resolve: Resolver): Promise<Array<{ address: string; family: number }>> {
  if (host === 'localhost' || host.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }];
  if (host === 'invalid' || host.endsWith('.invalid')) throw Object.assign(new Error('a special-use name'), { code: 'ENOTFOUND' });
  return resolve(host);
}

/** Parses a webhook URL and refuses what no delivery may use: another scheme, credentials, a refused IP literal. */
export function checkUrl(text: string, allowHosts: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationRefused('scheme', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DestinationRefused('scheme', `the scheme must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw new DestinationRefused('credentials', 'the URL must not carry a user name or password');
  const host = normalizeHost(url.hostname);
  if (!allowHosts.has(host) && isIpLiteral(host)) refuseAddress(host, host);
  return url;
}

function refuseAddress(host: string, address: string): void {
  const rule = classifyAddress(address);
  if (rule) {
    const via = host === address ? '' : ` (${host} resolves to it)`;
    throw new DestinationRefused(
      rule,
      `${address}${via} is refused by the ${rule} rule (${ADDRESS_RULES[rule]}); an operator may list the host in WEBHOOK_ALLOW_HOSTS`,
    );
  }
}

/**
 * The address a delivery to `text` connects to: the literal, or the name resolved once, every
 * answer checked. Throws DestinationRefused before any connection is made.
 */
export async function resolveDestination(text: string, allowHosts: ReadonlySet<string>, resolve: Resolver = systemResolver): Promise<Destination> {
  const url = checkUrl(text, allowHosts);
  const host = normalizeHost(url.hostname);
  if (isIpLiteral(host)) return { url, host, address: host, family: host.includes(':') ? 6 : 4 };
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await specialUse(host, resolve);
  } catch (err) {
    throw new DestinationRefused('unresolved', `${host} does not resolve (${(err as { code?: string }).code ?? 'lookup failed'})`);
  }
  if (answers.length === 0) throw new DestinationRefused('unresolved', `${host} does not resolve`);
  if (!allowHosts.has(host)) for (const a of answers) refuseAddress(host, a.address);
  const first = answers[0];
  return { url, host, address: first.address, family: first.family === 6 ? 6 : 4 };
}
