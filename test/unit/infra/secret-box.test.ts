import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSealed, open, parseSecretsKey, seal, SecretUnreadable, SEALED_PREFIX } from '../../../src/infra/secret-box.js';

const key = randomBytes(32);
const id = '6f1f3c1e-8a57-4f5e-9a4b-0d2b7c1e9f10';
const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('seal / open', () => {
  it('round-trips, stored as enc:v1:<base64 of a 12-byte IV, the ciphertext, a 16-byte tag> that does not contain the secret', () => {
    const sealed = seal(key, secret, id);
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(secret.slice(6));
    expect(Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64')).toHaveLength(12 + Buffer.byteLength(secret) + 16);
    expect(open(key, sealed, id)).toBe(secret);
  });

  it('draws a new IV each time: two sealings of one secret differ, and both open', () => {
    const [a, b] = [seal(key, secret, id), seal(key, secret, id)];
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(SEALED_PREFIX.length), 'base64').subarray(0, 12)).not.toEqual(
      Buffer.from(b.slice(SEALED_PREFIX.length), 'base64').subarray(0, 12),
    );
    expect([open(key, a, id), open(key, b, id)]).toEqual([secret, secret]);
  });

  it('does not open with another key, or with no key', () => {
    const sealed = seal(key, secret, id);
    expect(() => open(randomBytes(32), sealed, id)).toThrow(SecretUnreadable);
    expect(() => open(undefined, sealed, id)).toThrow(SecretUnreadable);
    expect(() => open(undefined, sealed, id)).toThrow('SECRETS_KEY is missing or not the one it was encrypted with');
  });

  it('does not open once any byte is changed, or cut short', () => {
    const sealed = seal(key, secret, id);
    const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    for (const at of [0, 11, 12, bytes.length - 17, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[at] ^= 0x01;
      expect(() => open(key, SEALED_PREFIX + tampered.toString('base64'), id), `byte ${at}`).toThrow(SecretUnreadable);
    }
    expect(() => open(key, SEALED_PREFIX + bytes.subarray(0, 20).toString('base64'), id)).toThrow(SecretUnreadable);
    expect(() => open(key, SEALED_PREFIX, id)).toThrow(SecretUnreadable);
  });

  it("does not open for another context: a value copied onto another row's id", () => {
    const sealed = seal(key, secret, id);
    expect(() => open(key, sealed, '0c4d1a8e-2b3f-4c5d-8e9f-a0b1c2d3e4f5')).toThrow(SecretUnreadable);
  });

  it('passes a plain value through as it is, with a key or without', () => {
    expect(isSealed(secret)).toBe(false);
    expect(open(key, secret, id)).toBe(secret);
    expect(open(undefined, secret, id)).toBe(secret);
  });
});

describe('parseSecretsKey', () => {
  it('takes 32 bytes as 64 hex characters or as base64 (standard or URL-safe, padded or not)', () => {
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretsKey(` ${key.toString('hex')}\n`)).toEqual(key);
  });

  it('refuses anything else, naming SECRETS_KEY and never quoting the value', () => {
    const bad = [
      '',
      'secret',
      key.toString('hex').slice(0, 62),
      `${key.toString('hex')}00`,
      randomBytes(16).toString('base64'),
      randomBytes(48).toString('base64'),
    ];
    const messageOf = (text: string) => {
      try {
        parseSecretsKey(text);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`accepted ${text}`);
    };
    for (const text of [...bad, `${key.toString('hex').slice(0, 63)}g`]) {
      expect(messageOf(text), text).toMatch(/^SECRETS_KEY: must be 32 random bytes/);
      if (text.length > 8) expect(messageOf(text)).not.toContain(text.trim());
    }
  });
});
