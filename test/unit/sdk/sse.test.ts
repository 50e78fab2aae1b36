import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSse, type SseMessage } from '../../../src/sdk/sse.js';

/** A body that delivers `bytes` cut at `cuts`, as a network read would. */
function bodyOf(bytes: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  return new ReadableStream({
    start(controller) {
      for (let i = 1; i < points.length; i++) if (points[i] > points[i - 1]) controller.enqueue(bytes.slice(points[i - 1], points[i]));
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const seen: SseMessage[] = [];
  for await (const message of parseSse(body)) seen.push(message);
  return seen;
}

describe('SDK SSE reader', () => {
  // LF, CRLF and lone CR line ends, a comment, a block with no id, multi-line data, and text
  // beyond ASCII (so that a cut can fall inside a character's bytes).
  const stream =
    'id: 0\nevent: status\ndata: {"status":"queued"}\n\n: keep-alive\n\nevent: progress\ndata: {"a":1}\r\n\r\nid: 2\r\nevent: epoch\r\ndata: line 1\r\ndata: löss → 0.5\r\n\r\nid: 3\revent: status\rdata: done\r\r';
  const bytes = new TextEncoder().encode(stream);
  const expected: SseMessage[] = [
    { id: '0', event: 'status', data: '{"status":"queued"}' },
    { event: 'progress', data: '{"a":1}' },
    { id: '2', event: 'epoch', data: 'line 1\nlöss → 0.5' },
    { id: '3', event: 'status', data: 'done' },
  ];

  it('parses events, skips comments, joins multi-line data, takes LF, CRLF and CR', async () => {
    const seen = await collect(bodyOf(bytes));
    expect(seen).toEqual(expected);
    expect('id' in seen[1]).toBe(false);
  });

  it('gives the same events however the bytes are cut into reads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), async (cuts) => {
        expect(await collect(bodyOf(bytes, cuts))).toEqual(expected);
      }),
    );
  });

  it('holds an event back until its blank line arrives, and drops one the stream cut off', async () => {
    let push!: (text: string) => void;
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
        end = () => controller.close();
      },
    });
    const messages = parseSse(body);
    let settled = false;
    const first = messages.next().then((r) => ((settled = true), r));
    push('event: epoch\ndata: 1\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    push('\n');
    expect((await first).value).toEqual({ event: 'epoch', data: '1' });
    push('event: epoch\ndata: 2\n');
    end();
    expect(await messages.next()).toEqual({ done: true, value: undefined });
  });

  it('lets go of the connection when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: a\n\ndata: b\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of parseSse(body)) {
      expect(message.data).toBe('a');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
