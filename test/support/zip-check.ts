/**
 * Reads a ZIP archive with Python's zipfile (a reader the service's writer did not come from):
 * checks every entry's CRC and returns the files by name.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const SCRIPT = [
  'import base64, io, json, sys, zipfile',
  'z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))',
  'bad = z.testzip()',
  'if bad: raise SystemExit("bad CRC: " + bad)',
  'print(json.dumps({i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist()}))',
].join('\n');

export async function listZip(archive: Uint8Array): Promise<Record<string, Buffer>> {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: archive, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' });
  if (run.status !== 0) throw new Error(`not a valid ZIP: ${run.stderr.toString()}`);
  const files = JSON.parse(run.stdout.toString()) as Record<string, string>;
  return Object.fromEntries(Object.entries(files).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
}
