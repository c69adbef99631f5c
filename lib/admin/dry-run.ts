import 'server-only';
import type { CommentStatus } from '@/db/schema';
import { tags } from '@/lib/cache-tags';
import { commentOutcomeChange, type CommentOutcome } from '@/lib/comments';
import { effectiveTags } from '@/lib/invalidate';
import { cachedPages, type CachedPage } from '@/lib/page-cache/listing';
import { pageCacheRuntime } from '@/lib/page-cache/runtime';

/*
 * What a moderation action would do to the page cache, before it is done: the tags it would
 * invalidate, computed by the writer's own rule (lib/comments.ts `commentOutcomeChange`, then the
 * strategy in lib/invalidate.ts), and the cached pages that carry them now, read from the cache.
 * The action's result carries the tags really invalidated, so the two can be set side by side.
 */

export const COMMENT_ACTIONS = ['approve', 'spam', 'delete'] as const;
export type CommentAction = (typeof COMMENT_ACTIONS)[number];

export const OUTCOME_OF: Record<CommentAction, CommentOutcome> = { approve: 'published', spam: 'spam', delete: 'removed' };

const VERB: Record<CommentAction, string> = { approve: 'Approving', spam: 'Marking it spam', delete: 'Deleting' };

export interface PlannedComment {
  id: number;
  postId: number;
  status: CommentStatus;
}

export interface DryRun {
  action: CommentAction;
  /** The tags the writer would invalidate; empty when no page can show the change. */
  tags: string[];
  /** Cached pages carrying one of those tags: rebuilt on their next visit. */
  rebuilt: string[];
  /** Cached pages of the same post that carry none of them: they stay cached. */
  stayCached: string[];
  /** The plan in words, for the button it stands beside. */
  summary: string;
}

/** The pure core: which of `pages` an invalidation of `invalidated` reaches, among those of the post. */
export function planOnPages(action: CommentAction, comment: PlannedComment, invalidated: readonly string[], pages: readonly CachedPage[]): DryRun {
  const hit = new Set(invalidated);
  const ofPost = new Set([tags.post(comment.postId), tags.comments(comment.postId)]);
  const rebuilt: string[] = [];
  const stayCached: string[] = [];
  for (const { page, tags: carried } of pages) {
    if (carried.some((tag) => hit.has(tag))) rebuilt.push(page);
    else if (carried.some((tag) => ofPost.has(tag))) stayCached.push(page);
  }
  return { action, tags: [...invalidated], rebuilt, stayCached, summary: describe(action, invalidated, rebuilt, stayCached) };
}

/** The dry run of `action` on `comment`, against the pages in `pages` (the cache's listing). */
export function planCommentAction(action: CommentAction, comment: PlannedComment, pages: readonly CachedPage[]): DryRun {
  const change = commentOutcomeChange(comment, comment.status, OUTCOME_OF[action]);
  return planOnPages(action, comment, change ? effectiveTags(change) : [], pages);
}

/** The pages cached now, read once per admin page: every row's dry run uses the same listing. */
export function currentCachedPages(): Promise<CachedPage[]> {
  return cachedPages(pageCacheRuntime());
}

const list = (items: readonly string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const pages = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;

function describe(action: CommentAction, invalidated: readonly string[], rebuilt: readonly string[], stayCached: readonly string[]): string {
  const staying = stayCached.length > 0 ? `; ${pages(stayCached.length)} of this post stay cached` : '';
  if (invalidated.length === 0) return `${VERB[action]} rebuilds nothing — no page shows this comment${staying}.`;
  if (rebuilt.length === 0) return `${VERB[action]} invalidates ${list(invalidated)}, which no cached page carries now${staying}.`;
  const why = invalidated.length === 1 && invalidated[0]!.endsWith(':comments') ? "they show this post's comments" : `they carry ${list(invalidated)}`;
  return `${VERB[action]} rebuilds ${list(rebuilt)} — ${rebuilt.length === 1 ? why.replace('they show', 'it shows').replace('they carry', 'it carries') : why}${staying}.`;
}
