import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretUnreadable } from '../../../../src/infra/secret-box.js';
import { fromStored, keptOnRotation, toStored } from '../../../../src/features/webhooks/stored-secrets.js';
import { newSecret } from '../../../../src/features/webhooks/signing.js';

const withKey = { SECRETS_KEY: randomBytes(32).toString('hex') };
const otherKey = { SECRETS_KEY: randomBytes(32).toString('base64') };
const noKey = { SECRETS_KEY: undefined };

describe('stored webhook secrets', () => {
  it('are sealed to their webhook with SECRETS_KEY, and stored as they are without it', () => {
    const [id, secret] = [randomUUID(), newSecret()];
    const stored = toStored(withKey, id, secret);
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain(secret.slice(6));
    expect(fromStored(withKey, id, stored)).toBe(secret);
    expect(() => fromStored(withKey, randomUUID(), stored)).toThrow(SecretUnreadable);
    expect(() => fromStored(otherKey, id, stored)).toThrow(SecretUnreadable);
    expect(() => fromStored(noKey, id, stored)).toThrow(SecretUnreadable);
    expect(toStored(noKey, id, secret)).toBe(secret);
    expect(fromStored(withKey, id, secret)).toBe(secret);
  });

  it('keep on rotation: a plain one sealed once a key is set, a sealed one as it is, one sealed under another key dropped', () => {
    const [id, secret] = [randomUUID(), newSecret()];
    const kept = keptOnRotation(withKey, id, secret)!;
    expect(kept).toMatch(/^enc:v1:/);
    expect(fromStored(withKey, id, kept)).toBe(secret);
    const sealed = toStored(withKey, id, secret);
    expect(keptOnRotation(withKey, id, sealed)).toBe(sealed);
    expect(keptOnRotation(otherKey, id, sealed)).toBeNull();
    expect(keptOnRotation(noKey, id, sealed)).toBeNull();
    expect(keptOnRotation(noKey, id, secret)).toBe(secret);
  });
});
