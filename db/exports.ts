import 'server-only';
import { asc, gt, inArray } from 'drizzle-orm';
import type { Executor } from './client';
import { comments, posts, users } from './schema';

/*
 * An export's reads (lib/moving/export.ts): every post whatever its state, in pages of ids so a
 * blog of 60,000 posts is never held in memory at once, with the comments of each page.
 */

export interface ExportedPostRow {
  id: number;
  slug: string;
  title: string;
  body: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
  authorId: number | null;
  tagNames: string;
}

/** A post as it moves out or in: everything but the cache's bookkeeping (announced_at, search). */
export const movingPostColumns = {
  id: posts.id,
  slug: posts.slug,
  title: posts.title,
  body: posts.body,
  status: posts.status,
  publishedAt: posts.publishedAt,
  updatedAt: posts.updatedAt,
  authorId: posts.authorId,
  // Kept by the post_tags trigger (drizzle/0005), sorted by name.
  tagNames: posts.tagNames,
};

export async function postsAfter(db: Executor, afterId: number, limit: number): Promise<ExportedPostRow[]> {
  return db.select(movingPostColumns).from(posts).where(gt(posts.id, afterId)).orderBy(asc(posts.id)).limit(limit);
}

export type ExportedCommentRow = typeof comments.$inferSelect;

export async function commentsOf(db: Executor, postIds: readonly number[]): Promise<ExportedCommentRow[]> {
  if (postIds.length === 0) return [];
  return db
    .select()
    .from(comments)
    .where(inArray(comments.postId, [...postIds]))
    .orderBy(asc(comments.postId), asc(comments.id));
}

/** Every account, without its password hash. */
export async function exportedAccounts(db: Executor) {
  return db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role, removedAt: users.removedAt })
    .from(users)
    .orderBy(asc(users.id));
}
