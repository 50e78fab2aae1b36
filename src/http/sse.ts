import type { FastifyReply } from 'fastify';

/** One Server-Sent Event: `id` (when the client may resume after it), its name and JSON data. */
export interface SseEvent {
  id?: number | string;
  event: string;
  data: unknown;
}

/** How often a comment line goes out on an idle stream, so proxies do not close it. */
const KEEP_ALIVE_MS = 15_000;

/** One event in the text/event-stream format. */
export function formatEvent(ev: SseEvent): string {
  return `${ev.id !== undefined ? `id: ${ev.id}\n` : ''}event: ${ev.event}\ndata: ${JSON.stringify(ev.data)}\n\n`;
}

/**
 * Sends `events` as a text/event-stream answer: takes the reply over from Fastify, keeps the
 * connection alive while nothing happens, and ends the response when the events end (or their
 * iterator throws: `onError` hears of it). `lastEvent`, asked once the events have ended, is sent
 * before the end when it gives one (why a stream ended early, so a client does not reconnect).
 */
export async function sendEventStream(
  reply: FastifyReply,
  events: AsyncIterable<SseEvent>,
  opts: { onError(err: unknown): void; lastEvent?(): SseEvent | undefined },
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write(': connected\n\n');
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  try {
    for await (const ev of events) raw.write(formatEvent(ev));
  } catch (err) {
    opts.onError(err);
  } finally {
    clearInterval(keepAlive);
    const last = opts.lastEvent?.();
    if (last) raw.write(formatEvent(last));
    raw.end();
  }
}
