import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key this service makes starts so; a leaked one is easy to recognise in a scan. */
export const KEY_MARK = 'tts_';
/** The public part of a key: the mark and 8 characters; shown in listings, enough to look a key up. */
export const PREFIX_LENGTH = KEY_MARK.length + 8;
/** Longest Authorization credential looked at; anything longer is refused before hashing. */
export const MAX_KEY_LENGTH = 512;

/** A new key: 32 random bytes (256 bits), base64url, behind the mark. Shown once, never stored. */
export function generateKey(): string {
  return KEY_MARK + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a key. A fast hash is enough: the keys are 256-bit random secrets, not
 * passwords, so there is nothing to brute-force; what matters is that the database never holds them.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function prefixOf(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** Compares a presented key with a stored hash in constant time (over the fixed-length digests). */
export function keyMatchesHash(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/**
 * The credential of an `Authorization: Bearer <key>` header, or null when the header is absent,
 * of another scheme, empty, over {@link MAX_KEY_LENGTH}, or holds characters no key has.
 */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || header.length > MAX_KEY_LENGTH + 16) return null;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  return match ? match[1] : null;
}
