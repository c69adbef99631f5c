/*
 * Route parameters, checked before any query or cache read: a NUL byte, a bad percent-escape or an
 * id beyond PostgreSQL's integer range that reached a query would be a 500, and every value that
 * reached a cached reader would write a cache entry. What cannot name content is null: a 404.
 * The name rules are the ones posts and tags are written with (lib/posts/writers.ts).
 */

/** Slugs and tag names: a-z, 0-9 and single hyphens. */
export const NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 100;
export const MAX_TAG_LENGTH = 40;
/** PostgreSQL's `integer`, the type of every id. */
export const MAX_ID = 2_147_483_647;

/** "2" → 2; anything that is not a plain positive integer (e.g. "02", "1e3", "-1") → null. */
export function parsePageNumber(raw: string): number | null {
  if (!/^[1-9]\d{0,5}$/.test(raw)) return null;
  return Number(raw);
}

/** A `?page=` query value (admin lists): absent → 1; anything but one plain page number → null (a 404). */
export function parsePageQuery(raw: string | string[] | undefined): number | null {
  if (raw === undefined) return 1;
  return typeof raw === 'string' ? parsePageNumber(raw) : null;
}

export function parseId(raw: string): number | null {
  return /^[1-9]\d{0,9}$/.test(raw) && Number(raw) <= MAX_ID ? Number(raw) : null;
}

export function parseSlug(raw: string): string | null {
  return raw.length <= MAX_SLUG_LENGTH && NAME_PATTERN.test(raw) ? raw : null;
}

/** A tag as it appears in a URL (percent-encoded, or not). */
export function parseTag(raw: string): string | null {
  if (raw.length > MAX_TAG_LENGTH * 3) return null;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return name.length <= MAX_TAG_LENGTH && NAME_PATTERN.test(name) ? name : null;
}
