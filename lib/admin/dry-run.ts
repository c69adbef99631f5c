import 'server-only';
import { getPostState, type PostState } from '@/db/reads';
import type { CommentStatus } from '@/db/schema';
import { effectiveTags, tags, tagsForPostChange } from '@/lib/cache-tags';
import { commentOutcomeChange, type CommentOutcome } from '@/lib/comments';
import { cachedPages, type CachedPage } from '@/lib/page-cache/listing';
import { pageCacheRuntime } from '@/lib/page-cache/runtime';
import { plannedPostChange, type PostChange } from '@/lib/posts-admin';

/*
 * What a moderation action or a post's save would do to the page cache, before it is done: the
 * tags it would invalidate, computed by the writer's own rule (lib/comments.ts
 * `commentOutcomeChange`, lib/posts-admin.ts `plannedPostChange`, then the strategy in
 * lib/invalidate.ts), and the cached pages that carry them now, read from the cache.
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

export interface DryRun extends PagePlan {
  action: CommentAction;
}

/** How a plan speaks: "Approving", "this comment", why the rebuilt pages are, which pages stay. */
export interface PlanWords {
  verb: string;
  subject: string;
  why: (invalidated: readonly string[]) => string;
  staying: string;
}

/** The pure core: which of `pages` an invalidation of `invalidated` reaches, and which carrying a `related` tag it leaves. */
export function planOnPages(invalidated: readonly string[], related: readonly string[], pages: readonly CachedPage[], words: PlanWords): PagePlan {
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

const commentWords = (action: CommentAction): PlanWords => ({
  verb: VERB[action],
  subject: 'this comment',
  why: (invalidated) => (invalidated.length === 1 && invalidated[0]!.endsWith(':comments') ? "they show this post's comments" : `they carry ${list(invalidated)}`),
  staying: 'of this post',
});

/** The dry run of `action` on `comment`, against the pages in `pages` (the cache's listing). */
export function planCommentAction(action: CommentAction, comment: PlannedComment, pages: readonly CachedPage[]): DryRun {
  const change = commentOutcomeChange(comment, comment.status, OUTCOME_OF[action]);
  const related = [tags.post(comment.postId), tags.comments(comment.postId)];
  return { action, ...planOnPages(change ? effectiveTags(change.tags) : [], related, pages, commentWords(action)) };
}

const postWords: PlanWords = { verb: 'Saving', subject: 'this post', why: () => 'they show this post', staying: 'of the post lists' };

/** The dry run of saving `change` over the stored `before`: edit, publish, unpublish, retag or re-date. */
export function planPostSave(before: PostState, change: PostChange, pages: readonly CachedPage[], now = new Date()): PagePlan {
  const planned = plannedPostChange(before, change, now);
  // Every page this post could be on, whatever the change: those not reached stay cached.
  const related = tagsForPostChange({
    id: before.id,
    slugs: [before.slug, ...(change.slug ? [change.slug] : [])],
    listChanged: true,
    tagNames: [...before.tags, ...(change.tags ?? [])],
  });
  return planOnPages(planned ? effectiveTags(planned.tags) : [], related, pages, postWords);
}

/** The dry run of the editor's save, against the stored post and the pages cached now; null when the post is gone. */
export async function dryRunPostSave(id: number, change: PostChange): Promise<PagePlan | null> {
  const [before, pages] = await Promise.all([getPostState(id), currentCachedPages()]);
  return before && planPostSave(before, change, pages);
}

/** The pages cached now, read once per admin page: every row's dry run uses the same listing. */
export function currentCachedPages(): Promise<CachedPage[]> {
  return cachedPages(pageCacheRuntime());
}

const list = (items: readonly string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const pages = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;

function describe(words: PlanWords, invalidated: readonly string[], rebuilt: readonly string[], stayCached: readonly string[]): string {
  const { verb } = words;
  const staying = stayCached.length > 0 ? `; ${pages(stayCached.length)} ${words.staying} ${stayCached.length === 1 ? 'stays' : 'stay'} cached` : '';
  if (invalidated.length === 0) return `${verb} rebuilds nothing — no page shows ${words.subject}${staying}.`;
  if (rebuilt.length === 0) return `${verb} invalidates ${list(invalidated)}, which no cached page carries now${staying}.`;
  const why = words.why(invalidated);
  return `${verb} rebuilds ${list(rebuilt)} — ${rebuilt.length === 1 ? why.replace('they show', 'it shows').replace('they carry', 'it carries') : why}${staying}.`;
}
