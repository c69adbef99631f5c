import 'server-only';
import { sql } from 'drizzle-orm';
import { excerptFromMarkdown, plainTextFromMarkdown } from '@/lib/content/excerpt';
import {
  EXCERPT_HEADLINE_OPTIONS,
  framedExcerpt,
  MARK_START,
  plainHeadline,
  TITLE_HEADLINE_OPTIONS,
  withoutControls,
} from '@/lib/search/highlight';
import { RESULTS_PER_PAGE } from '@/lib/search/input';
import { getDb, type Database } from './client';
import { errorCodes } from './errors';
import { posts } from './schema';
import { isPublished } from './visibility';

/*
 * Full-text search over public posts: the generated `search` column (title and tag names weighted
 * A, the body B; drizzle/0004) matched with websearch_to_tsquery, which reads any text as a query
 * the way web search engines do ("a phrase", or, -word) and never fails on its syntax. Ranked by
 * ts_rank_cd (normalised by document length), then newest first, the id breaking ties, so pages
 * never overlap. Only public posts (db/visibility.ts). Never cached: every call is a query.
 *
 * Its cost is bounded by SEARCH_TIMEOUT_MS for the whole search: PostgreSQL cancels a statement that
 * runs past what is left of it (statement_timeout, set for this transaction alone), and the server
 * stops waiting shortly after, for a database that does not enforce the setting: PGlite, the
 * embedded database, accepts it and never cancels (tests/integration/search.test.ts), so there a
 * search past its time is answered as timed out while PGlite finishes it.
 */

export interface SearchHit {
  id: number;
  slug: string;
  /** The title, every match between MARK_START and MARK_STOP (lib/search/highlight.ts). */
  title: string;
  /**
   * Up to two marked fragments of the body as plain text, "…" where text is left out; the body's
   * opening when it holds no match (a post found by its title or tags).
   */
  excerpt: string;
  publishedAt: string;
  tags: string[];
  /** The tags the query matched. */
  matchedTags: string[];
}

export type SearchOutcome =
  | { kind: 'results'; total: number; page: number; pageCount: number; hits: SearchHit[] }
  /** Nothing to search for: only very common words ("the") or punctuation. */
  | { kind: 'no-terms' }
  /** Ran past SEARCH_TIMEOUT_MS. */
  | { kind: 'timed-out' };

/** How long past its statement timeout the server still waits for a search's answer. */
export const DEADLINE_MARGIN_MS = 250;

/** PostgreSQL's query_canceled: a statement stopped by statement_timeout. */
export function isStatementTimeout(error: unknown): boolean {
  return errorCodes(error).includes('57014') || error instanceof SearchDeadline;
}

class SearchDeadline extends Error {
  constructor(ms: number) {
    super(`search not answered within ${ms} ms`);
  }
}

interface RankedRow extends Record<string, unknown> {
  terms: number;
  total: number;
  id: number | null;
  slug: string | null;
  title: string | null;
  body: string | null;
  published_at: string | Date | null;
  tag_names: string | null;
}

async function runSearch(db: Database, query: string, page: number, timeoutMs: number): Promise<SearchOutcome> {
  const started = Date.now();
  return db.transaction(async (tx) => {
    // Local to this transaction: the pooled connection (and, on PGlite, the one shared session)
    // goes back with its own setting.
    await tx.execute(sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`);
    // The matches are ranked once (a CTE named twice is computed once) for both the count and the
    // page; the outer row is there even when nothing matches, with the count and the query's size.
    const rows = await tx.execute<RankedRow>(sql`
      with query as (select websearch_to_tsquery('english', ${query}) as q),
      matches as (
        select ${posts.id} as id, ${posts.publishedAt} as published_at, ts_rank_cd(${posts.search}, query.q, 1) as rank
        from ${posts}, query
        where ${posts.search} @@ query.q and ${isPublished}
      )
      select numnode(query.q)::int as terms, (select count(*)::int from matches) as total,
        hit.id, p.slug, p.title, p.body, p.published_at, p.tag_names
      from query
      left join lateral (
        select id, rank, published_at from matches
        order by rank desc, published_at desc, id desc
        limit ${RESULTS_PER_PAGE} offset ${(page - 1) * RESULTS_PER_PAGE}
      ) hit on true
      left join ${posts} p on p.id = hit.id
      order by hit.rank desc, hit.published_at desc, hit.id desc`);
    const first = rows[0];
    if (!first || first.terms === 0) return { kind: 'no-terms' } as const;
    const total = first.total;
    const pageCount = Math.max(1, Math.ceil(total / RESULTS_PER_PAGE));
    const found = rows.filter((row) => row.id !== null);
    if (found.length === 0) return { kind: 'results', total, page, pageCount, hits: [] } as const;

    // Highlights are made from what the page shows: the title and the body as plain text (no
    // Markdown or HTML syntax), with every control character out so the markers are ts_headline's.
    const titles = found.map((row) => withoutControls(row.title ?? ''));
    const bodies = found.map((row) => withoutControls(plainTextFromMarkdown(row.body ?? '')));
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    await tx.execute(sql`select set_config('statement_timeout', ${String(remaining)}, true)`);
    const tagLists = found.map((row) => row.tag_names ?? '');
    const headlines = await tx.execute<{ title: string; excerpt: string; tags: string }>(sql`
      select ts_headline('english', doc.title, query.q, ${TITLE_HEADLINE_OPTIONS}) as title,
        ts_headline('english', doc.body, query.q, ${EXCERPT_HEADLINE_OPTIONS}) as excerpt,
        ts_headline('english', doc.tags, query.q, ${TITLE_HEADLINE_OPTIONS}) as tags
      from unnest(${sql.param(titles)}::text[], ${sql.param(bodies)}::text[], ${sql.param(tagLists)}::text[])
        with ordinality as doc(title, body, tags, n),
        websearch_to_tsquery('english', ${query}) as query(q)
      order by doc.n`);
    const hits = found.map((row, i): SearchHit => {
      const headline = headlines[i];
      return {
        id: row.id!,
        slug: row.slug ?? '',
        title: headline?.title ?? titles[i]!,
        // A post found by its title or tags alone shows the opening its list entry shows.
        excerpt: headline?.excerpt.includes(MARK_START)
          ? framedExcerpt(headline.excerpt, bodies[i]!)
          : withoutControls(excerptFromMarkdown(row.body ?? '')),
        publishedAt: new Date(row.published_at ?? 0).toISOString(),
        tags: tagLists[i]!.split(' ').filter(Boolean),
        // Tag names are a-z, 0-9 and hyphens: each space-separated name of the headline is one tag.
        matchedTags: (headline?.tags ?? '')
          .split(' ')
          .filter((name) => name.includes(MARK_START))
          .map(plainHeadline),
      };
    });
    return { kind: 'results', total, page, pageCount, hits } as const;
  });
}

/**
 * Page `page` (1-based) of the public posts matching `query` (already cleaned, lib/search/input.ts).
 * A page past the last has no hits and the real count. Errors other than a timeout (the database
 * unreachable) are thrown: the server answers those with a 503.
 */
export async function searchPosts(
  query: string,
  page: number,
  options: { timeoutMs: number; deadlineMs?: number; db?: Database },
): Promise<SearchOutcome> {
  const deadlineMs = options.deadlineMs ?? options.timeoutMs + DEADLINE_MARGIN_MS;
  const search = runSearch(options.db ?? getDb(), query, page, options.timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SearchDeadline(deadlineMs)), deadlineMs);
  });
  try {
    return await Promise.race([search, deadline]);
  } catch (error) {
    if (isStatementTimeout(error)) {
      // The abandoned search may still fail later; nobody is waiting for it.
      search.catch(() => undefined);
      return { kind: 'timed-out' };
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
