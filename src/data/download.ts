import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected MD5 (hex) of the downloaded bytes; a mismatch deletes the download and throws. */
  md5?: string;
  /** Expected SHA-256 (hex), checked the same way. */
  sha256?: string;
  fetchImpl?: typeof fetch;
}

/**
 * Downloads `url` to `dest` atomically: the bytes go to a temp file in the same folder,
 * which is renamed over `dest` only once complete and verified. Readers therefore never see
 * a half-written file, and two processes downloading at once both end with a whole file.
 * @returns the MD5 of the downloaded bytes.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<string> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomUUID()}.tmp`);
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new Error(`download of ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) throw new Error(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`.trim());

  const hash = createHash('md5');
  const sha = createHash('sha256');
  const file = await open(tmp, 'w');
  try {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        sha.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    const actual = hash.digest('hex');
    if (opts.md5 && actual !== opts.md5.toLowerCase()) {
      throw new Error(`download of ${url} has MD5 ${actual}, expected ${opts.md5}; the file was deleted`);
    }
    const actualSha = sha.digest('hex');
    if (opts.sha256 && actualSha !== opts.sha256.toLowerCase()) {
      throw new Error(`download of ${url} has SHA-256 ${actualSha}, expected ${opts.sha256}; the file was deleted`);
    }
    await rename(tmp, dest);
    return actual;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
