import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } | null };

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string }; optional?: boolean }>;
};

/** The lowest version of each alternative of our `engines` range ("^20.19 || ^22.13 || >=24"). */
const lowestPromised = pkg.engines.node.split('||').map((part) => semver.minVersion(part.trim())!.version);

describe('engines', () => {
  it('promises at least Node 20.19, which the README names', () => {
    expect(lowestPromised[0]).toBe('20.19.0');
  });

  // `npm ci` prints EBADENGINE for each installed package whose own engines exclude the running Node:
  // every Node our engines promise must satisfy every package the lockfile installs.
  it.each(lowestPromised)('every installed package accepts Node %s', (node) => {
    const refusing = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && !p.optional && p.engines?.node && !semver.satisfies(node, p.engines.node))
      .map(([where, p]) => `${where}@${p.version}: node ${p.engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
