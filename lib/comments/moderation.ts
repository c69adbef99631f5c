import 'server-only';
import { listCommentsForModeration } from '@/db/admin-reads';
import type { CommentStatus } from '@/db/schema';
import { currentCachedPages, listInWords, planOnPages, type PagePlan, type PlanWords } from '@/lib/admin/dry-run';
import { effectiveTags, tags } from '@/lib/core/cache-tags';
import type { CachedPage } from '@/lib/page-cache/listing';
import { commentOutcomeChange, type CommentOutcome } from './writers';

/*
 * The moderation queue (/admin/comments): its rows, and beside each action the dry run of what it
 * would do to the page cache, computed by the writer's own rule (`commentOutcomeChange`, then the
 * invalidation strategy) against the cached pages that carry its tags now.
 */

export const COMMENT_ACTIONS = ['approve', 'spam', 'delete'] as const;
export type CommentAction = (typeof COMMENT_ACTIONS)[number];

export const OUTCOME_OF: Record<CommentAction, CommentOutcome> = {
  approve: 'published',
  spam: 'spam',
  delete: 'removed',
};

const VERB: Record<CommentAction, string> = { approve: 'Approving', spam: 'Marking it spam', delete: 'Deleting' };

export interface PlannedComment {
  id: number;
  postId: number;
  status: CommentStatus;
}

export interface DryRun extends PagePlan {
  action: CommentAction;
}

const commentWords = (action: CommentAction): PlanWords => ({
  verb: VERB[action],
  subject: 'this comment',
  why: (invalidated) =>
    invalidated.length === 1 && invalidated[0]!.endsWith(':comments')
      ? "they show this post's comments"
      : `they carry ${listInWords(invalidated)}`,
  staying: 'of this post',
});

/** The dry run of `action` on `comment`, against the pages in `pages` (the cache's listing). */
export function planCommentAction(
  action: CommentAction,
  comment: PlannedComment,
  pages: readonly CachedPage[],
): DryRun {
  const change = commentOutcomeChange(comment, comment.status, OUTCOME_OF[action]);
  const related = [tags.post(comment.postId), tags.comments(comment.postId)];
  return { action, ...planOnPages(change ? effectiveTags(change.tags) : [], related, pages, commentWords(action)) };
}

/** A row of the moderation queue: the comment, its post, its age, and the dry run of each action open to it. */
export interface QueueRow {
  id: number;
  status: CommentStatus;
  authorName: string;
  body: string;
  createdAt: string;
  age: string;
  postTitle: string;
  postSlug: string;
  plans: DryRun[];
}

export async function moderationQueue(
  filter: { status: CommentStatus; postId?: number },
  now = new Date(),
): Promise<QueueRow[]> {
  const [comments, pages] = await Promise.all([listCommentsForModeration(filter), currentCachedPages()]);
  return comments.map((comment) => ({
    id: comment.id,
    status: comment.status,
    authorName: comment.authorName,
    body: comment.body,
    postTitle: comment.postTitle,
    postSlug: comment.postSlug,
    createdAt: comment.createdAt.toISOString(),
    age: ageOf(comment.createdAt, now),
    // Approving a published comment or marking a spam one spam again would do nothing.
    plans: COMMENT_ACTIONS.filter(
      (action) =>
        !(action === 'approve' && comment.status === 'published') && !(action === 'spam' && comment.status === 'spam'),
    ).map((action) => planCommentAction(action, comment, pages)),
  }));
}

function ageOf(at: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - at.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
