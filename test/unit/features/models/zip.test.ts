import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zip } from '../../../../src/features/models/zip.js';
import { listZip } from '../../../support/zip-check.js';

describe('zip', () => {
  it("writes an archive Python's zipfile reads back byte for byte, CRCs checked", async () => {
    const text = Buffer.from(JSON.stringify({ layers: Array.from({ length: 200 }, (_, i) => ({ name: `dense_${i}` })) }));
    const noise = randomBytes(5000); // does not deflate: stored
    const archive = await zip([
      { name: 'model.json', data: text },
      { name: 'weights.bin', data: noise },
      { name: 'modèle/ü.txt', data: new Uint8Array(0) },
    ]);
    // The JSON is deflated (much smaller), the noise stored as it is.
    expect(archive.byteLength).toBeLessThan(text.byteLength / 2 + noise.byteLength + 400);
    const files = await listZip(archive);
    expect(Object.keys(files)).toEqual(['model.json', 'weights.bin', 'modèle/ü.txt']);
    expect(Buffer.compare(files['model.json'], text)).toBe(0);
    expect(Buffer.compare(files['weights.bin'], noise)).toBe(0);
    expect(files['modèle/ü.txt'].byteLength).toBe(0);
  });

  it('is refused by the reader when a byte is damaged (the check above can fail)', async () => {
    const archive = await zip([{ name: 'a.txt', data: Buffer.from('hello hello hello hello hello') }]);
    archive[35] ^= 0xff; // inside the deflated body
    await expect(listZip(archive)).rejects.toThrow(/not a valid ZIP/);
  });
});
