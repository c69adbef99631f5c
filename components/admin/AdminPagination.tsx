import Link from 'next/link';
import { adminPageHref } from '@/lib/admin/pagination';

/** Plain links, so paging works without JavaScript and every page has its own address. */
export function AdminPagination({
  path,
  filter = {},
  page,
  pageCount,
  total,
  noun,
}: {
  path: string;
  filter?: Record<string, string | undefined>;
  page: number;
  pageCount: number;
  total: number;
  noun: string;
}) {
  const href = (n: number) => adminPageHref(path, filter, n);
  return (
    <nav aria-label="Pages" className="pagination">
      <span>
        {page > 1 && (
          <>
            <Link href={href(1)}>First page</Link>{' '}
            <Link href={href(Math.min(page - 1, pageCount))} rel="prev">
              Previous page
            </Link>
          </>
        )}
      </span>
      <span className="page-of">
        Page {page.toLocaleString('en')} of {pageCount.toLocaleString('en')} · {total.toLocaleString('en')} {noun}
      </span>
      <span>
        {page < pageCount && (
          <>
            <Link href={href(page + 1)} rel="next">
              Next page
            </Link>{' '}
            <Link href={href(pageCount)}>Last page</Link>
          </>
        )}
      </span>
    </nav>
  );
}
