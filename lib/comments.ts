import 'server-only';
import { deleteComment, insertCommentOnPublishedPost, setCommentStatus, type InsertedComment } from '@/db/queries';
import type { CommentStatus } from '@/db/schema';
import { tags } from './cache-tags';
import { config } from './config';
import { invalidate, type WriteContext } from './invalidate';

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

export async function submitComment(input: NewCommentInput, context: WriteContext): Promise<InsertedComment | null> {
  const status: CommentStatus = config.COMMENT_MODERATION === 'manual' ? 'pending' : 'published';
  const inserted = await insertCommentOnPublishedPost({ ...input, status });
  if (inserted?.status === 'published') {
    invalidate(
      [tags.comments(inserted.postId)],
      {
        kind: 'comment-published',
        postId: inserted.postId,
        commentId: inserted.id,
        description: `comment ${inserted.id} published on post ${inserted.postId}`,
      },
      context,
    );
  }
  return inserted;
}

export async function moderateComment(id: number, status: CommentStatus, context: WriteContext) {
  const result = await setCommentStatus(id, status);
  if (!result) return null;
  if (result.previous !== status && (result.previous === 'published' || status === 'published')) {
    invalidate(
      [tags.comments(result.postId)],
      {
        kind: status === 'published' ? 'comment-published' : 'comment-removed',
        postId: result.postId,
        commentId: id,
        description: `comment ${id} ${status === 'published' ? 'published' : `marked ${status}`} on post ${result.postId}`,
      },
      context,
    );
  }
  return result;
}

export async function removeComment(id: number, context: WriteContext) {
  const result = await deleteComment(id);
  if (result?.previous === 'published') {
    invalidate(
      [tags.comments(result.postId)],
      { kind: 'comment-removed', postId: result.postId, commentId: id, description: `comment ${id} removed from post ${result.postId}` },
      context,
    );
  }
  return result;
}
