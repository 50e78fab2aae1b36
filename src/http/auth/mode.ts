import { isIP } from 'node:net';

export type AuthSetting = 'auto' | 'on' | 'off';

/**
 * `on`: every non-public route needs a key. `off`: open (everything in the `default` tenant).
 * `until-first-key`: open for now, on as soon as a key exists (local use that adds keys later).
 */
export type AuthMode = 'on' | 'off' | 'until-first-key';

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

export interface AuthDecision {
  mode: AuthMode;
  /** Set when the service must not start: listening beyond this machine with no key and auth not turned off. */
  refuse?: string;
  /** Why this mode, for the start-up log. */
  reason: string;
}

/**
 * Decides whether requests need a key (the security guide's "Access control"): on when a key exists or
 * ADMIN_API_KEY is set or HOST is not loopback; AUTH=on/off force it. Listening beyond loopback
 * with no key at all is refused unless AUTH=off says open on purpose.
 */
export function decideAuthMode(opts: { setting: AuthSetting; host: string; adminKeySet: boolean; keysExist: boolean }): AuthDecision {
  if (opts.setting === 'off') return { mode: 'off', reason: 'AUTH=off: no API keys are checked; every caller may do everything' };
  if (opts.setting === 'on') return { mode: 'on', reason: 'AUTH=on' };
  if (opts.adminKeySet) return { mode: 'on', reason: 'ADMIN_API_KEY is set' };
  if (opts.keysExist) return { mode: 'on', reason: 'API keys exist' };
  if (!isLoopback(opts.host)) {
    return {
      mode: 'on',
      reason: `HOST ${opts.host} is not loopback`,
      refuse: `HOST=${opts.host} is reachable from other machines and no API key exists: set ADMIN_API_KEY (or create one with \`npm run create-key\`), or set AUTH=off to serve without keys on purpose`,
    };
  }
  return {
    mode: 'until-first-key',
    reason: 'open local mode: listening on loopback with no API keys (everything belongs to the tenant "default"); it turns on when the first key is created',
  };
}
