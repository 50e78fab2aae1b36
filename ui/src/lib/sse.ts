import { authFetch } from './api.js';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A Server-Sent Events parser (the WHATWG event-stream format): feed it text as it arrives,
 * in chunks cut anywhere, and it calls `onEvent` for each complete event. Comments (`: ...`)
 * are skipped. Written here because EventSource, which has one built in, cannot send the
 * Authorization header.
 */
export function createSseParser(onEvent: (ev: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const line = (text: string) => {
    if (text === '') {
      if (data.length) onEvent({ id, event: event || 'message', data: data.join('\n') });
      data = [];
      event = '';
      id = undefined;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  return (chunk) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const next = buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      line(buffer.slice(0, end));
      buffer = buffer.slice(next);
    }
  };
}

/**
 * Follows an event stream through fetch + ReadableStream (so the API key travels in a header),
 * reconnecting with `Last-Event-ID` when the connection drops, until `isDone` says the last
 * event has come or `signal` aborts.
 */
export async function followEvents(
  path: string,
  opts: { signal: AbortSignal; onEvent: (ev: SseEvent) => void; isDone: (ev: SseEvent) => boolean; retryMs?: number },
): Promise<void> {
  let lastId: string | undefined;
  let done = false;
  while (!done && !opts.signal.aborted) {
    try {
      const res = await authFetch(path, { signal: opts.signal, headers: lastId ? { 'last-event-id': lastId } : {} });
      if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const feed = createSseParser((ev) => {
        if (ev.id !== undefined) lastId = ev.id;
        opts.onEvent(ev);
        if (opts.isDone(ev)) done = true;
      });
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        feed(value);
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      console.warn('event stream interrupted', err);
    }
    if (!done) await new Promise((r) => setTimeout(r, opts.retryMs ?? 1000));
  }
}
