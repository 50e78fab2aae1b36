import { describe, expect, it } from 'vitest';
import { warmWithin } from '../../../src/start/warm-within.js';

function recorder() {
  const lines: string[] = [];
  return { lines, log: { info: (msg: string) => void lines.push(`info ${msg}`), warn: (msg: string) => void lines.push(`warn ${msg}`) } as never };
}

describe('warmWithin', () => {
  it('resolves as soon as the training processes have loaded', async () => {
    const { lines, log } = recorder();
    let loaded!: () => void;
    let done = false;
    const waiting = warmWithin(new Promise<void>((resolve) => (loaded = resolve)), log, 60_000).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    loaded();
    await waiting;
    expect(lines).toEqual([expect.stringMatching(/^info the API waited \d+ ms for the training processes to load$/)]);
  });

  it('gives up after its bound, saying so, when they never load', async () => {
    const { lines, log } = recorder();
    await warmWithin(new Promise<void>(() => {}), log, 30);
    expect(lines).toEqual(['warn the training processes are still loading after 30 ms; the API starts without them']);
  });
});
