import 'server-only';
import {
  deleteComment,
  insertCommentOnPublishedPost,
  lockAndFindSameComment,
  setCommentStatus,
  type InsertedComment,
} from '@/db/writes';
import type { CommentStatus } from '@/db/schema';
import { tags } from '@/lib/core/cache-tags';
import { config } from '@/lib/core/config';
import { writeContent, type ContentChange, type WriteContext } from '@/lib/invalidation/write-content';
import type { InvalidationEvent } from '@/db/schema';

/*
 * Comment writes. Only a change that a visitor can see — a comment becoming published, or a
 * published one changing or going away — invalidates anything; pending and spam comments are on
 * no cached page, so storing or moderating them between those states leaves every page cached.
 */

export interface NewCommentInput {
  postId: number;
  authorName: string;
  authorEmail: string;
  body: string;
}

/** A visible change to a post's published comments. */
function commentChange(
  postId: number,
  commentId: number,
  kind: InvalidationEvent['kind'],
  what: string,
): ContentChange {
  return {
    tags: [tags.comments(postId)],
    event: { kind, postId, commentId, description: `comment ${commentId} ${what} post ${postId}` },
  };
}

/** Why a comment was not stored: the post takes no comments, or it already has this one. */
export type CommentRefusal = 'closed' | 'duplicate';

/**
 * Stores a comment, published or held as the moderation setting says. `refuseDuplicate` is for
 * the public form: a post that already has the same words gets nothing new (imports may repeat).
 */
export async function submitComment(
  input: NewCommentInput,
  context: WriteContext,
  options: { refuseDuplicate?: boolean } = {},
): Promise<InsertedComment | CommentRefusal> {
  const status: CommentStatus = config.COMMENT_MODERATION === 'manual' ? 'pending' : 'published';
  const { result } = await writeContent<InsertedComment | CommentRefusal>(async (tx) => {
    if (options.refuseDuplicate && (await lockAndFindSameComment(input.postId, input.body, tx))) {
      return { result: 'duplicate' as const, change: null };
    }
    const inserted = await insertCommentOnPublishedPost({ ...input, status }, tx);
    if (!inserted) return { result: 'closed' as const, change: null };
    if (inserted.status !== 'published') return { result: inserted, change: null };
    return {
      result: inserted,
      change: commentChange(inserted.postId, inserted.id, 'comment-published', 'published on'),
    };
  }, context);
  return result;
}

/** What becomes of a comment: a new status, or removed. */
export type CommentOutcome = CommentStatus | 'removed';

/**
 * The visible change of moving a comment from `previous` to `next`, or null when no page can
 * show it. Pure, so the writers below and the moderation queue's dry run (./moderation.ts) share it.
 */
export function commentOutcomeChange(
  comment: { id: number; postId: number },
  previous: CommentStatus,
  next: CommentOutcome,
): ContentChange | null {
  if (previous === next || (previous !== 'published' && next !== 'published')) return null;
  const what = next === 'published' ? 'published on' : next === 'removed' ? 'removed from' : `marked ${next} on`;
  return commentChange(
    comment.postId,
    comment.id,
    next === 'published' ? 'comment-published' : 'comment-removed',
    what,
  );
}

/** The comment's post and former status, and the tags invalidated (none when no page showed it). */
export type ModerationResult = { postId: number; previous: CommentStatus; invalidated: string[] };

export async function moderateComment(
  id: number,
  status: CommentStatus,
  context: WriteContext,
): Promise<ModerationResult | null> {
  const { result, invalidated } = await writeContent(async (tx) => {
    const changed = await setCommentStatus(id, status, tx);
    return {
      result: changed,
      change: changed && commentOutcomeChange({ id, postId: changed.postId }, changed.previous, status),
    };
  }, context);
  return result && { ...result, invalidated };
}

export async function removeComment(id: number, context: WriteContext): Promise<ModerationResult | null> {
  const { result, invalidated } = await writeContent(async (tx) => {
    const removed = await deleteComment(id, tx);
    return {
      result: removed,
      change: removed && commentOutcomeChange({ id, postId: removed.postId }, removed.previous, 'removed'),
    };
  }, context);
  return result && { ...result, invalidated };
}
