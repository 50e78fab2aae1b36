import type { CursorPages } from '../lib/use-cursor-pages.js';

/** Previous / Next under a list read a page at a time. `nextCursor`: the API's, null on the last page. */
export function Pager({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button disabled={!pages.hasPrevious} onClick={() => pages.previous()}>
        Previous
      </button>
      <button disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next
      </button>
    </nav>
  );
}
