import { parsePageNumber } from '@/lib/core/route-params';

/*
 * What a search address asks for, read before anything costs a query: /search?q=<words>&page=<n>.
 * The query is the visitor's own text, echoed back and handed to websearch_to_tsquery (which
 * accepts any text without a syntax error); what cannot be part of a search is removed here:
 * control characters (a NUL would fail the query, and two of them mark highlights, see
 * ./highlight.ts) and the bidirectional marks and overrides that make text read backwards.
 */

/** The longest query searched, in characters; a longer one is refused with a message, never searched. */
export const MAX_QUERY_LENGTH = 200;
export const RESULTS_PER_PAGE = 10;

// Every C0 and C1 control (tab and line breaks too: a query is one line), DEL, and the bidirectional
// marks, embeddings, overrides and isolates.
const NOT_SEARCHABLE = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export type SearchRequest =
  /** No query: the page shows the form alone. */
  | { kind: 'empty' }
  /** Longer than MAX_QUERY_LENGTH: `query` is its first MAX_QUERY_LENGTH characters, for the form. */
  | { kind: 'too-long'; query: string; length: number }
  /** A `page` that is not one plain page number (0, -1, 1e3, abc, two of them): a 404. */
  | { kind: 'bad-page'; query: string }
  | { kind: 'search'; query: string; page: number };

/** A query as it will be searched and shown: controls and bidi overrides out, spaces collapsed. */
export function cleanQuery(raw: string): string {
  return raw.toWellFormed().replace(NOT_SEARCHABLE, ' ').replace(/\s+/g, ' ').trim();
}

/** Reads Next's searchParams. A repeated `q` (no form sends one) is read as its first value. */
export function parseSearchRequest(params: Record<string, string | string[] | undefined>): SearchRequest {
  const rawQuery = Array.isArray(params.q) ? params.q[0] : params.q;
  const query = cleanQuery(rawQuery ?? '');
  if (query === '') return { kind: 'empty' };
  const characters = [...query];
  if (characters.length > MAX_QUERY_LENGTH) {
    return {
      kind: 'too-long',
      query: characters.slice(0, MAX_QUERY_LENGTH).join('').trim(),
      length: characters.length,
    };
  }
  const rawPage = params.page;
  if (rawPage === undefined) return { kind: 'search', query, page: 1 };
  const page = typeof rawPage === 'string' ? parsePageNumber(rawPage) : null;
  return page === null ? { kind: 'bad-page', query } : { kind: 'search', query, page };
}

/** The address of one page of results: page 1 has no `page` parameter. */
export function searchHref(query: string, page = 1): string {
  const params = new URLSearchParams({ q: query });
  if (page > 1) params.set('page', String(page));
  return `/search?${params.toString()}`;
}
