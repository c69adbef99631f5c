import Link from 'next/link';

/** Page 1 lives at `basePath` itself; page n at `${basePath}/page/n`. */
export function pageHref(basePath: string, page: number): string {
  const root = basePath === '/' ? '' : basePath;
  return page <= 1 ? basePath : `${root}/page/${page}`;
}

export function Pagination({ basePath, page, pageCount }: { basePath: string; page: number; pageCount: number }) {
  if (pageCount <= 1) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      {page > 1 ? (
        <Link href={pageHref(basePath, page - 1)} rel="prev">
          ← Newer posts
        </Link>
      ) : (
        <span />
      )}
      <span className="page-of">
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={pageHref(basePath, page + 1)} rel="next">
          Older posts →
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
