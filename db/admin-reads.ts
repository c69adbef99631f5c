import 'server-only';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { getDb, type Database } from './client';
import { readTagNames } from './reads';
import { comments, posts, type CommentStatus } from './schema';

/*
 * Reads for the admin pages only. They are never cached: an admin page shows the database as it
 * is now, and nothing here may feed a public page.
 */

/** Comments waiting for a moderator (COMMENT_MODERATION=manual). */
export async function countPendingComments(db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(comments)
    .where(eq(comments.status, 'pending'));
  return row?.n ?? 0;
}

export interface QueuedComment {
  id: number;
  postId: number;
  status: CommentStatus;
  authorName: string;
  body: string;
  createdAt: Date;
  postTitle: string;
  postSlug: string;
}

/** The moderation queue: newest first, at most `limit`, by status and post when given. */
export async function listCommentsForModeration(
  filter: { status?: CommentStatus; postId?: number; limit?: number },
  db: Database = getDb(),
): Promise<QueuedComment[]> {
  const where = and(
    filter.status ? eq(comments.status, filter.status) : undefined,
    filter.postId ? eq(comments.postId, filter.postId) : undefined,
  );
  return db
    .select({
      id: comments.id,
      postId: comments.postId,
      status: comments.status,
      authorName: comments.authorName,
      body: comments.body,
      createdAt: comments.createdAt,
      postTitle: posts.title,
      postSlug: posts.slug,
    })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .where(where)
    .orderBy(desc(comments.createdAt), desc(comments.id))
    .limit(filter.limit ?? 200);
}

/** The posts that have comments, for the queue's filter by post. */
export async function postsWithComments(db: Database = getDb()): Promise<{ id: number; title: string }[]> {
  return db
    .selectDistinct({ id: posts.id, title: posts.title })
    .from(posts)
    .innerJoin(comments, eq(comments.postId, posts.id))
    .orderBy(posts.title);
}

export interface AdminPostRow {
  id: number;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
}

/** Every post, drafts first, then the newest publication time first (scheduled ones lead). */
export async function listPostsForAdmin(db: Database = getDb()): Promise<AdminPostRow[]> {
  return db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
    })
    .from(posts)
    .orderBy(asc(posts.status), sql`${posts.publishedAt} desc nulls first`, desc(posts.id));
}

export interface EditablePost extends AdminPostRow {
  body: string;
  tags: string[];
}

/** A post in any status with its Markdown source, as the editor and the preview show it. */
export async function getEditablePost(id: number, db: Database = getDb()): Promise<EditablePost | null> {
  const [row] = await db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      body: posts.body,
    })
    .from(posts)
    .where(eq(posts.id, id));
  if (!row) return null;
  return { ...row, tags: await readTagNames(db, id) };
}
