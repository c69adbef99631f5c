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
import { queueReplyNotice } from '@/lib/mail/notices';
import type { InvalidationEvent } from '@/db/schema';

/*
 * Comment writes. Only a change that a visitor can see — a comment becoming published, or a
 * published one changing or going away — invalidates anything; pending and spam comments are on
 * no cached page, so storing or moderating them between those states leaves every page cached.
 */

export interface NewCommentInput {
  postId: number;
  /** The published comment of the same post that this one answers (a reply); absent for a comment of its own. */
  parentId?: number | null;
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

/**
 * Why a comment was not stored: the post takes no comments, it already has this one, or the
 * comment it answers is not a published comment of the post (pending, spam, deleted, another post's).
 */
export type CommentRefusal = 'closed' | 'duplicate' | 'no-parent';

/**
 * Stores a comment or a reply, published or held as the moderation setting says. `refuseDuplicate`
 * is for the public form: a post that already has the same words gets nothing new (imports may
 * repeat). A reply invalidates what any comment does: its post's comments, nothing more.
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
    if (typeof inserted === 'string') return { result: inserted, change: null };
    if (inserted.status !== 'published') return { result: inserted, change: null };
    // With the reply, in its transaction: the notice exists exactly when the reply does.
    if (inserted.parentId !== null) await queueReplyNotice(inserted.id, tx);
    const what = inserted.parentId === null ? 'published on' : `(a reply to comment ${inserted.parentId}) published on`;
    return {
      result: inserted,
      change: commentChange(inserted.postId, inserted.id, 'comment-published', what),
    };
  }, context);
  return result;
}

/** What becomes of a comment: a new status, or removed. */
export type CommentOutcome = CommentStatus | 'removed';

/**
 * The visible change of moving a comment from `previous` to `next`, or null when no page can
 * show it. A comment that is not published shows only as the placeholder its published replies
 * hang from (`repliesShown`); deleting it moves them, so that is a change too. Pure, so the
 * writers below and the moderation queue's dry run (./moderation.ts) share it.
 */
export function commentOutcomeChange(
  comment: { id: number; postId: number; repliesShown?: boolean },
  previous: CommentStatus,
  next: CommentOutcome,
): ContentChange | null {
  const placeholderRemoved = next === 'removed' && previous !== 'published' && comment.repliesShown === true;
  if (!placeholderRemoved && (previous === next || (previous !== 'published' && next !== 'published'))) return null;
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
    // A held reply is published: its notice goes now, as it would have gone at once without moderation.
    if (changed && status === 'published' && changed.previous !== 'published') await queueReplyNotice(id, tx);
    return {
      result: changed,
      change: changed && commentOutcomeChange({ id, postId: changed.postId }, changed.previous, status),
    };
  }, context);
  return result && { postId: result.postId, previous: result.previous, invalidated };
}

export async function removeComment(id: number, context: WriteContext): Promise<ModerationResult | null> {
  const { result, invalidated } = await writeContent(async (tx) => {
    const removed = await deleteComment(id, tx);
    return {
      result: removed,
      change:
        removed &&
        commentOutcomeChange(
          { id, postId: removed.postId, repliesShown: removed.repliesShown },
          removed.previous,
          'removed',
        ),
    };
  }, context);
  return result && { postId: result.postId, previous: result.previous, invalidated };
}
