import 'server-only';
import {
  countCommentsForModeration,
  getPostTitle,
  listCommentsForModeration,
  postsWithComments,
  type QueuedComment,
  type QueueFilter,
} from '@/db/admin-reads';
import type { CommentStatus } from '@/db/schema';
import {
  currentCachedPages,
  listInWords,
  planOnPages,
  type PageListing,
  type PagePlan,
  type PlanWords,
} from '@/lib/admin/dry-run';
import { readAdminPage, type AdminPage } from '@/lib/admin/pagination';
import { effectiveTags, tags } from '@/lib/core/cache-tags';
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
  /** A published reply hangs under it: the page shows it, if hidden, as "This comment was removed.". */
  repliesShown?: boolean;
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

/**
 * The dry run of `action` on `comment`, against the pages in `pages` (the cache's listing). A reply
 * is planned as any comment: it shows on its post's page and counts in its post's comments.
 */
export function planCommentAction(action: CommentAction, comment: PlannedComment, pages: PageListing): DryRun {
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
  postId: number;
  postTitle: string;
  postSlug: string;
  /** For a reply: the comment it answers, as it stands now. */
  parent: QueuedComment['parent'];
  /** A reply whose comment was deleted. */
  parentRemoved: boolean;
  plans: DryRun[];
}

/** Page `filter.page` of the queue (50 rows), with the dry runs of its rows' actions. */
export async function moderationQueue(
  filter: QueueFilter & { page: number },
  now = new Date(),
): Promise<AdminPage<QueueRow>> {
  const [queue, pages] = await Promise.all([
    readAdminPage(
      filter.page,
      () => countCommentsForModeration(filter),
      (page) => listCommentsForModeration({ ...filter, page }),
    ),
    currentCachedPages(),
  ]);
  return {
    ...queue,
    rows: queue.rows.map((comment) => ({
      id: comment.id,
      status: comment.status,
      authorName: comment.authorName,
      body: comment.body,
      postId: comment.postId,
      postTitle: comment.postTitle,
      postSlug: comment.postSlug,
      parent: comment.parent,
      parentRemoved: comment.parentRemoved,
      createdAt: comment.createdAt.toISOString(),
      age: ageOf(comment.createdAt, now),
      // Approving a published comment or marking a spam one spam again would do nothing.
      plans: COMMENT_ACTIONS.filter(
        (action) =>
          !(action === 'approve' && comment.status === 'published') &&
          !(action === 'spam' && comment.status === 'spam'),
      ).map((action) => planCommentAction(action, comment, pages)),
    })),
  };
}

/**
 * The choices of the queue's filter by post: the newest posts that have comments (a bounded list,
 * whatever the size of the blog), and the post filtered by now when it is not among them. Any
 * other post is one click away, from a row of the queue.
 */
export async function queuePostChoices(selected?: number): Promise<{ id: number; title: string }[]> {
  const [choices, selectedTitle] = await Promise.all([
    postsWithComments(),
    selected === undefined ? null : getPostTitle(selected),
  ]);
  if (selected === undefined || selectedTitle === null || choices.some((post) => post.id === selected)) return choices;
  return [{ id: selected, title: selectedTitle }, ...choices];
}

function ageOf(at: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - at.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
