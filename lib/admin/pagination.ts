import 'server-only';
import { ADMIN_PAGE_SIZE } from '@/db/admin-reads';

/** One page of an admin list, and where it stands in the whole. */
export interface AdminPage<T> {
  rows: T[];
  page: number;
  pageCount: number;
  total: number;
}

/**
 * Reads page `page` of a list and counts the list. A page past the end (the last rows were just
 * moderated away, an old link) comes back empty rather than as an error: the page says so and
 * links back.
 */
export async function readAdminPage<T>(
  page: number,
  count: () => Promise<number>,
  read: (page: number) => Promise<T[]>,
): Promise<AdminPage<T>> {
  const [total, rows] = await Promise.all([count(), read(page)]);
  return { rows, page, pageCount: Math.max(1, Math.ceil(total / ADMIN_PAGE_SIZE)), total };
}

/** The address of page `page` of an admin list, keeping its filter; page 1 is the list's own address. */
export function adminPageHref(path: string, filter: Record<string, string | undefined>, page: number): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(name, value);
  if (page > 1) query.set('page', String(page));
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}
