import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** MD5 hex digest of a file, streamed so a 26 MB file is not read into memory at once. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA-256 hex digest of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** MD5 hex digest of bytes in memory. */
export function md5Bytes(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

// Files that already passed, keyed by path + size + mtime: hashing 26 MB on every job start
// would be wasted work, while a replaced or rewritten file changes size or mtime and is checked again.
const verified = new Set<string>();

/** Forgets which files were verified (for tests). */
export function clearVerifiedFiles(): void {
  verified.clear();
}

/**
 * Checks that the file at `path` has the MD5 `expected`, once per process per file version.
 * @returns true when it matches (or matched before), false otherwise; the file is not touched.
 */
export async function verifyFileMd5(path: string, expected: string): Promise<boolean> {
  return verifyFile(path, expected, md5File);
}

/** As {@link verifyFileMd5}, with a SHA-256. */
export async function verifyFileSha256(path: string, expected: string): Promise<boolean> {
  return verifyFile(path, expected, sha256File);
}

async function verifyFile(path: string, expected: string, digest: (path: string) => Promise<string>): Promise<boolean> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}\0${expected.toLowerCase()}`;
  if (verified.has(key)) return true;
  const actual = await digest(path);
  if (actual !== expected.toLowerCase()) return false;
  verified.add(key);
  return true;
}
