import { Readable } from 'node:stream';
import type { Db } from '../../infra/db/prisma.js';
import { quoteIdent } from '../../infra/db/sql.js';

/** Bytes read from the database per query when serving weights.bin. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A model's weight bytes as a stream read in 4 MiB slices (`substring` on the bytea), so serving
 * a 40 MB weights.bin never holds it whole in the API, nor decodes it in one go on the event
 * loop. The caller has checked that the model exists and may be read; `schema` is the tables'.
 */
export async function streamWeights(db: Db, schema: string, id: string): Promise<{ length: number; stream: Readable }> {
  const table = `${quoteIdent(schema)}."Model"`;
  const [row] = await db.$queryRawUnsafe<Array<{ n: number | bigint | null }>>(`SELECT octet_length("weights") AS n FROM ${table} WHERE "id" = $1::uuid`, id);
  const length = Number(row?.n ?? 0);
  async function* chunks() {
    for (let from = 0; from < length; from += CHUNK_BYTES) {
      const [part] = await db.$queryRawUnsafe<Array<{ chunk: Uint8Array }>>(
        `SELECT substring("weights" from $2::int for $3::int) AS chunk FROM ${table} WHERE "id" = $1::uuid`,
        id,
        from + 1,
        CHUNK_BYTES,
      );
      if (!part) throw new Error('the model disappeared while its weights were being sent');
      yield Buffer.from(part.chunk.buffer, part.chunk.byteOffset, part.chunk.byteLength);
    }
  }
  return { length, stream: Readable.from(chunks(), { objectMode: false }) };
}
