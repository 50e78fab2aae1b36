/**
 * A Server-Sent Events message: the fields of one block (the `event` defaults to `message`).
 * `id` is the block's own `id:` field, absent when it has none (the client keeps the last one
 * it saw to resume with `Last-Event-ID`).
 */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body as the HTML spec says: lines end with CRLF, LF or CR;
 * `:` starts a comment; `data` lines join with `\n`; a blank line dispatches. Works on any
 * WHATWG ReadableStream (fetch in Node 18+ and browsers).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let sawData = false;
  let finished = false;

  const takeLine = (final: boolean): string | null => {
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i];
      if (c === '\n' || c === '\r') {
        // A CR at the very end may be the first half of a CRLF still in flight.
        if (c === '\r' && i === buffer.length - 1 && !final) return null;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(c === '\r' && buffer[i + 1] === '\n' ? i + 2 : i + 1);
        return line;
      }
    }
    return null;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let line: string | null;
      while ((line = takeLine(done)) !== null) {
        if (line === '') {
          if (sawData) yield { ...(id !== undefined ? { id } : {}), event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          id = undefined;
          sawData = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') {
          data.push(value);
          sawData = true;
        } else if (field === 'id' && !value.includes('\0')) id = value;
      }
      // An unterminated last block is dropped, as the spec says: the stream was cut mid-event.
      if (done) {
        finished = true;
        return;
      }
    }
  } finally {
    // Stopped early (the consumer broke out or threw): let go of the connection.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
