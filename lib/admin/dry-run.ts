import 'server-only';
import { isRedisUnavailable } from '@/lib/core/redis-connection';
import { cachedPages, type CachedPage } from '@/lib/page-cache/listing';
import { pageCacheRuntime } from '@/lib/page-cache/runtime';

/*
 * What a change would do to the page cache, before it is done: the tags it would invalidate,
 * computed by the writer's own rule (a comment's in lib/comments/moderation.ts, a post's in
 * lib/posts/dry-run.ts), set against the cached pages that carry them now, read from the cache.
 * The action's result carries the tags really invalidated, so the two can be set side by side.
 */

/** What an invalidation would do to the cached pages, and the same in words. */
export interface PagePlan {
  /** The tags the writer would invalidate; empty when no page can show the change. */
  tags: string[];
  /** Cached pages carrying one of those tags: rebuilt on their next visit. */
  rebuilt: string[];
  /** Cached pages carrying one of the related tags and none of those: they stay cached. */
  stayCached: string[];
  /** The plan in words, for the button it stands beside. */
  summary: string;
}

/** How a plan speaks: "Approving", "this comment", why the rebuilt pages are, which pages stay. */
export interface PlanWords {
  verb: string;
  subject: string;
  why: (invalidated: readonly string[]) => string;
  staying: string;
}

/** The cached pages, or null when the cache could not be listed: the plan then names tags, not pages. */
export type PageListing = readonly CachedPage[] | null;

/** The pure core: which of `pages` an invalidation of `invalidated` reaches, and which carrying a `related` tag it leaves. */
export function planOnPages(
  invalidated: readonly string[],
  related: readonly string[],
  pages: PageListing,
  words: PlanWords,
): PagePlan {
  if (pages === null)
    return { tags: [...invalidated], rebuilt: [], stayCached: [], summary: unlisted(words, invalidated) };
  const hit = new Set(invalidated);
  const near = new Set(related);
  const rebuilt: string[] = [];
  const stayCached: string[] = [];
  for (const { page, tags: carried } of pages) {
    if (carried.some((tag) => hit.has(tag))) rebuilt.push(page);
    else if (carried.some((tag) => near.has(tag))) stayCached.push(page);
  }
  return { tags: [...invalidated], rebuilt, stayCached, summary: describe(words, invalidated, rebuilt, stayCached) };
}

/**
 * The pages cached now, read once per admin page: every row's dry run uses the same listing. A
 * shared cache that does not answer in time costs the plans their page names, not the admin page.
 */
export async function currentCachedPages(): Promise<PageListing> {
  try {
    return await cachedPages(pageCacheRuntime());
  } catch (error) {
    if (isRedisUnavailable(error)) return null;
    throw error;
  }
}

/** Items a plan names; past them it counts ("a, b, … and 12 more"), so a site-wide change stays one line. */
export const NAMED_IN_WORDS = 8;

/** "a", "a and b", "a, b and c", "a, b, c, d, e, f, g, h and 12 more". */
export function listInWords(items: readonly string[]): string {
  if (items.length > NAMED_IN_WORDS)
    return `${items.slice(0, NAMED_IN_WORDS).join(', ')} and ${(items.length - NAMED_IN_WORDS).toLocaleString('en')} more`;
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
const pages = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;

function unlisted(words: PlanWords, invalidated: readonly string[]): string {
  if (invalidated.length === 0) return `${words.verb} rebuilds nothing — no page shows ${words.subject}.`;
  return `${words.verb} invalidates ${listInWords(invalidated)}; the cached pages cannot be listed now (the shared cache did not answer), so which of them rebuild is not known.`;
}

function describe(
  words: PlanWords,
  invalidated: readonly string[],
  rebuilt: readonly string[],
  stayCached: readonly string[],
): string {
  const { verb } = words;
  const staying =
    stayCached.length > 0
      ? `; ${pages(stayCached.length)} ${words.staying} ${stayCached.length === 1 ? 'stays' : 'stay'} cached`
      : '';
  if (invalidated.length === 0) return `${verb} rebuilds nothing — no page shows ${words.subject}${staying}.`;
  if (rebuilt.length === 0)
    return `${verb} invalidates ${listInWords(invalidated)}, which no cached page carries now${staying}.`;
  const why = words.why(invalidated);
  return `${verb} rebuilds ${listInWords(rebuilt)} — ${rebuilt.length === 1 ? why.replace('they show', 'it shows').replace('they carry', 'it carries') : why}${staying}.`;
}
