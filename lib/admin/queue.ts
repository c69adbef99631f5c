import 'server-only';
import { listCommentsForModeration } from '@/db/admin-reads';
import type { CommentStatus } from '@/db/schema';
import { COMMENT_ACTIONS, currentCachedPages, planCommentAction, type DryRun } from './dry-run';

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

export async function moderationQueue(filter: { status: CommentStatus; postId?: number }, now = new Date()): Promise<QueueRow[]> {
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
    plans: COMMENT_ACTIONS.filter((action) => !(action === 'approve' && comment.status === 'published') && !(action === 'spam' && comment.status === 'spam')).map(
      (action) => planCommentAction(action, comment, pages),
    ),
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
