import { useState } from 'preact/hooks';

/** Keyset paging as the API does it: the page's cursor, and the cursors of the pages before it. */
export interface CursorPages {
  /** The cursor of the page shown; undefined for the first. */
  cursor: string | undefined;
  hasPrevious: boolean;
  previous(): void;
  /** Goes to the page after this one, whose cursor the API gave with this page. */
  next(nextCursor: string): void;
  /** Back to the first page (a filter changed). */
  reset(): void;
}

export function useCursorPages(): CursorPages {
  // Cursors of the pages before this one: "Previous" pops, "Next" pushes.
  const [before, setBefore] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  return {
    cursor,
    hasPrevious: before.length > 0,
    previous() {
      const rest = [...before];
      setCursor(rest.pop() || undefined);
      setBefore(rest);
    },
    next(nextCursor) {
      setBefore([...before, cursor ?? '']);
      setCursor(nextCursor);
    },
    reset() {
      setBefore([]);
      setCursor(undefined);
    },
  };
}
