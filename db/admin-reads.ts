import 'server-only';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { getDb, type Database } from './client';
import { hasPublishedReplyBelow, readTagNames } from './reads';
import { comments, posts, users, type CommentStatus } from './schema';

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

/** Rows per page of every admin list: a page stays quick to read and to render at any size of blog. */
export const ADMIN_PAGE_SIZE = 50;

export interface QueuedComment {
  id: number;
  postId: number;
  status: CommentStatus;
  authorName: string;
  body: string;
  createdAt: Date;
  postTitle: string;
  postSlug: string;
  /** For a reply: the comment it answers, as it stands now; null for a comment of its own. */
  parent: { id: number; authorName: string; status: CommentStatus } | null;
  /** The comment it answered was deleted. */
  parentRemoved: boolean;
  /** A published reply hangs under it, at any depth (see db/writes.ts deleteComment). */
  repliesShown: boolean;
}

export interface QueueFilter {
  status: CommentStatus;
  postId?: number;
}

const queueWhere = (filter: QueueFilter) =>
  and(eq(comments.status, filter.status), filter.postId ? eq(comments.postId, filter.postId) : undefined);
const queueOrder = [desc(comments.createdAt), desc(comments.id)] as const;

export async function countCommentsForModeration(filter: QueueFilter, db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(comments)
    .where(queueWhere(filter));
  return row?.n ?? 0;
}

/**
 * Page `page` (1-based) of the moderation queue, newest first. The page's ids are found in the
 * index alone (an offset into 300,000 published comments would otherwise read every row it skips),
 * then only those rows are read.
 */
export async function listCommentsForModeration(
  filter: QueueFilter & { page: number },
  db: Database = getDb(),
): Promise<QueuedComment[]> {
  const pageIds = db
    .select({ id: comments.id })
    .from(comments)
    .where(queueWhere(filter))
    .orderBy(...queueOrder)
    .limit(ADMIN_PAGE_SIZE)
    .offset((filter.page - 1) * ADMIN_PAGE_SIZE);
  const parent = alias(comments, 'parent');
  const rows = await db
    .select({
      id: comments.id,
      postId: comments.postId,
      status: comments.status,
      authorName: comments.authorName,
      body: comments.body,
      createdAt: comments.createdAt,
      postTitle: posts.title,
      postSlug: posts.slug,
      parentId: parent.id,
      parentAuthorName: parent.authorName,
      parentStatus: parent.status,
      parentRemoved: comments.parentRemoved,
      repliesShown: hasPublishedReplyBelow(sql.raw('"comments"."id"')),
    })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .leftJoin(parent, eq(parent.id, comments.parentId))
    .where(inArray(comments.id, pageIds))
    .orderBy(...queueOrder);
  return rows.map(({ parentId, parentAuthorName, parentStatus, ...row }) => ({
    ...row,
    parent:
      parentId !== null && parentAuthorName !== null && parentStatus !== null
        ? { id: parentId, authorName: parentAuthorName, status: parentStatus }
        : null,
  }));
}

/**
 * The newest posts (by id) that have comments, at most `limit`: the choices of the queue's filter
 * by post. A skip scan of comments_post_idx, one probe per post found, so it costs the same with
 * 60,000 posts as with 60; the posts beyond it are reached from the queue's own rows.
 */
export async function postsWithComments(
  db: Database = getDb(),
  limit = ADMIN_PAGE_SIZE,
): Promise<{ id: number; title: string }[]> {
  const rows = await db.execute<{ id: number; title: string }>(sql`
    with recursive found (post_id) as (
      (select post_id from ${comments} order by post_id desc limit 1)
      union all
      select (select c.post_id from ${comments} c where c.post_id < found.post_id order by c.post_id desc limit 1)
      from found where found.post_id is not null
    )
    select p.id, p.title
    from (select post_id from found where post_id is not null limit ${limit}) as first
    join ${posts} p on p.id = first.post_id
    order by p.id desc`);
  return rows.map((row) => ({ id: row.id, title: row.title }));
}

/** A post's title whatever its state, or null: the queue names the post it is filtered by. */
export async function getPostTitle(id: number, db: Database = getDb()): Promise<string | null> {
  const [row] = await db.select({ title: posts.title }).from(posts).where(eq(posts.id, id));
  return row?.title ?? null;
}

export interface AdminPostRow {
  id: number;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
}

// Drafts first, then the newest publication time first (scheduled ones lead): the order of
// posts_status_order_idx, so a page's ids come from the index alone.
const adminOrder = [asc(posts.status), sql`${posts.publishedAt} desc nulls first`, desc(posts.id)] as const;

/** `authorId`: that author's posts only (an author's list); undefined: every post. */
export async function countPostsForAdmin(authorId?: number, db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(posts)
    .where(authorId === undefined ? undefined : eq(posts.authorId, authorId));
  return row?.n ?? 0;
}

/** Page `page` (1-based) of every post, drafts first, then the newest publication time first. */
export async function listPostsForAdmin(
  options: { page: number; authorId?: number },
  db: Database = getDb(),
): Promise<(AdminPostRow & { authorName: string | null })[]> {
  const pageIds = db
    .select({ id: posts.id })
    .from(posts)
    .where(options.authorId === undefined ? undefined : eq(posts.authorId, options.authorId))
    .orderBy(...adminOrder)
    .limit(ADMIN_PAGE_SIZE)
    .offset((options.page - 1) * ADMIN_PAGE_SIZE);
  return db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      authorName: users.name,
    })
    .from(posts)
    .leftJoin(users, eq(users.id, posts.authorId))
    .where(inArray(posts.id, pageIds))
    .orderBy(...adminOrder);
}

export interface EditablePost extends AdminPostRow {
  body: string;
  tags: string[];
  authorId: number | null;
  authorName: string | null;
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
      authorId: posts.authorId,
      authorName: users.name,
    })
    .from(posts)
    .leftJoin(users, eq(users.id, posts.authorId))
    .where(eq(posts.id, id));
  if (!row) return null;
  return { ...row, tags: await readTagNames(db, id) };
}
