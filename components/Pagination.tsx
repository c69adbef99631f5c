import Link from 'next/link';

/** Page 1 lives at `basePath` itself; page n at `${basePath}/page/n`. */
export function pageHref(basePath: string, page: number): string {
  const root = basePath === '/' ? '' : basePath;
  return page <= 1 ? basePath : `${root}/page/${page}`;
}

type Props = {
  page: number;
  pageCount: number;
  /** The words of the two links: lists go back in time, search results down the ranking. */
  labels?: { previous: string; next: string };
} & (
  | { basePath: string; hrefOf?: never }
  /** Pages at addresses of their own (search results: a query string); they are not prefetched. */
  | { basePath?: never; hrefOf: (page: number) => string }
);

const LIST_LABELS = { previous: '← Newer posts', next: 'Older posts →' };

export function Pagination({ basePath, hrefOf, page, pageCount, labels = LIST_LABELS }: Props) {
  if (pageCount <= 1) return null;
  const href = (n: number) => (hrefOf ? hrefOf(n) : pageHref(basePath, n));
  // A list page is cached and cheap to prefetch; a page of results is a query counted against the
  // reader's search allowance, run only when the reader asks for it.
  const prefetch = hrefOf ? false : undefined;
  return (
    <nav className="pagination" aria-label="Pages">
      {page > 1 ? (
        <Link href={href(page - 1)} rel="prev" prefetch={prefetch}>
          {labels.previous}
        </Link>
      ) : (
        <span />
      )}
      <span className="page-of">
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={href(page + 1)} rel="next" prefetch={prefetch}>
          {labels.next}
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
