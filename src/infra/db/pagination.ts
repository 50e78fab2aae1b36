import { SpecError } from '../../core/problems.js';
import { isUuid } from '../../core/ids.js';

/**
 * Keyset pagination, newest first, on (createdAt, id): pages stay stable while rows arrive, and
 * a cursor is the last row of the previous page.
 */
export interface Keyset {
  createdAt: Date;
  id: string;
}

/** 9999-12-31T23:59:59.999Z: a cursor's time lies between 1970 and this. */
const LATEST_CURSOR_TIME = 253_402_300_799_999;

export function encodeCursor(row: Keyset): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (!cursor) return null;
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(iso);
    // JavaScript dates reach year -271821; PostgreSQL's timestamps do not, and we never hand out such a cursor.
    const t = createdAt.getTime();
    if (Number.isNaN(t) || t < 0 || t > LATEST_CURSOR_TIME || typeof id !== 'string' || !isUuid(id)) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new SpecError('invalid cursor', [
      { path: '/querystring/cursor', message: 'not a cursor this service gave out; pass `nextCursor` from the previous page' },
    ]);
  }
}

/** The where-clause part that skips everything up to and including the cursor's row. */
export function after(cursor: string | undefined) {
  const at = decodeCursor(cursor);
  return at ? { OR: [{ createdAt: { lt: at.createdAt } }, { createdAt: at.createdAt, id: { lt: at.id } }] } : {};
}

export const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Cuts `limit + 1` fetched rows to a page, with the cursor of the next page if there is one. */
export function toPage<R extends Keyset, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(map), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}
