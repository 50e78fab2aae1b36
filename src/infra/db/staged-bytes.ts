import type pg from 'pg';

/** Largest piece of a byte value sent in one statement (and so copied by one tick of the loop). */
export const SLICE_BYTES = 4 * 2 ** 20;

/** A bytea value for a statement of the same transaction: its SQL at a parameter's place, and that parameter. */
export interface ByteaValue {
  /** The SQL for the value, reading parameter `$n`. */
  sql(n: number): string;
  param: unknown;
}

let nextSlot = 0;

/**
 * A bytea value for a statement run next in this transaction, sent so that no single statement
 * makes the event loop copy it whole. node-postgres builds each statement's message in one
 * synchronous step, copying a 40 MB parameter twice (its buffer grows by doubling): one block of
 * the loop as long as those copies, during which /health waited (`npm run bench:responsiveness`).
 * A value over {@link SLICE_BYTES} is sent first in slices
 * to a temporary table of this connection (not WAL-logged; its rows go at commit or rollback)
 * and put together by the server in the statement; a smaller one is a plain parameter.
 * `client` must be inside a transaction (BEGIN), as `inPgTransaction` gives it.
 */
export async function stageBytea(client: pg.ClientBase, bytes: Uint8Array | null): Promise<ByteaValue> {
  if (bytes === null || bytes.byteLength <= SLICE_BYTES) {
    const param = bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { sql: (n) => `$${n}::bytea`, param };
  }
  await client.query('CREATE TEMP TABLE IF NOT EXISTS staged_bytes (slot int NOT NULL, part int NOT NULL, bytes bytea NOT NULL) ON COMMIT DELETE ROWS');
  const slot = (nextSlot = (nextSlot + 1) % 2 ** 31);
  for (let part = 0, at = 0; at < bytes.byteLength; part++, at += SLICE_BYTES) {
    const slice = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(SLICE_BYTES, bytes.byteLength - at));
    await client.query('INSERT INTO pg_temp.staged_bytes (slot, part, bytes) VALUES ($1::int, $2::int, $3::bytea)', [slot, part, slice]);
  }
  return { sql: (n) => `(SELECT string_agg(bytes, ''::bytea ORDER BY part) FROM pg_temp.staged_bytes WHERE slot = $${n}::int)`, param: slot };
}
