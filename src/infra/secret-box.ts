/**
 * Secrets at rest: AES-256-GCM under SECRETS_KEY, stored as `enc:v1:<base64 of iv | ciphertext | tag>`.
 * Each sealing draws a fresh 12-byte IV, and the caller's `context` (the owning row's id) is
 * authenticated with it: a sealed value copied onto another row does not open there. A stored
 * value without the prefix is plain text from before a key was set, and opens as itself.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What every sealed value starts with; the version names the cipher and the layout after it. */
export const SEALED_PREFIX = 'enc:v1:';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A sealed value that does not open: no key, another key, or changed bytes. */
export class SecretUnreadable extends Error {
  constructor() {
    super('SECRETS_KEY is missing or not the one it was encrypted with');
    this.name = 'SecretUnreadable';
  }
}

export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

/**
 * SECRETS_KEY as its 32 bytes: 64 hex characters, or base64 (standard or URL-safe, padded or not).
 * Throws a message naming the variable; never one quoting the value.
 */
export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (key?.length !== KEY_BYTES) {
    throw new Error(
      `SECRETS_KEY: must be ${KEY_BYTES} random bytes as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`); got ${trimmed.length} characters that are neither`,
    );
  }
  return key;
}

/** `plain` encrypted under `key`, bound to `context`. */
export function seal(key: Buffer, plain: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/** The plain text of a stored value: a sealed one opened with `key` for `context`, a plain one as it is. */
export function open(key: Buffer | undefined, stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  if (!key) throw new SecretUnreadable();
  const bytes = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    // GCM's tag check failed: another key, another context, or bytes changed since sealing.
    throw new SecretUnreadable();
  }
}
