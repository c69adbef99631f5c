import 'server-only';
import { and, asc, between, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { getDb, type Database, type Executor } from './client';
import { comments, postTags, posts, tags, users } from './schema';
import { isPublished } from './visibility';

/*
 * What pages (and the writers' before/after comparisons) read. Nothing here selects
 * `comments.author_email` for a reader that feeds a page: the address is stored for moderation and
 * must never reach HTML, RSS or JSON.
 */

const newestFirst = [desc(posts.publishedAt), desc(posts.id)] as const;

export interface PostSummaryRow {
  id: number;
  slug: string;
  title: string;
  /** The start of the Markdown body: enough to cut an excerpt from without reading whole posts. */
  lead: string;
  publishedAt: Date;
  tags: string[];
  commentCount: number;
  /** The byline: the author's name, or null for a post written before accounts or by the API. */
  author: string | null;
}

export interface PostRow {
  id: number;
  slug: string;
  title: string;
  body: string;
  publishedAt: Date;
  updatedAt: Date;
  tags: string[];
  author: string | null;
}

export interface PublicCommentRow {
  id: number;
  /** The comment it answers (published or not); null for a comment of its own, or when that one was deleted. */
  parentId: number | null;
  /** The comment it answered was deleted. */
  parentRemoved: boolean;
  authorName: string;
  body: string;
  createdAt: Date;
}

/**
 * A comment that is not published (pending, spam) but has published replies: the thread shows
 * where it stands, and nothing of it — no name, no text.
 */
export interface HiddenCommentRow {
  id: number;
  parentId: number | null;
  parentRemoved: boolean;
  createdAt: Date;
}

// Correlated subqueries name the outer column in full: drizzle renders ${posts.id} as a bare "id",
// which inside the subquery would bind to the inner table's own id.
const outerPostId = sql.raw('"posts"."id"');

// A post's author never changes and accounts are never renamed, so the byline needs no tag of its own.
const authorNameOf = sql<string | null>`(select u.name from ${users} u where u.id = "posts"."author_id")`;
const tagNamesOf = sql<string[]>`coalesce(
  (select array_agg(t.name order by t.name) from ${postTags} pt join ${tags} t on t.id = pt.tag_id
   where pt.post_id = ${outerPostId}), '{}')`;

const publishedCommentCountOf = sql<number>`(select count(*)::int from ${comments} c
   where c.post_id = ${outerPostId} and c.status = 'published')`;

export async function listPublishedPostIds(limit: number, offset: number, db: Database = getDb()): Promise<number[]> {
  const rows = await db
    .select({ id: posts.id })
    .from(posts)
    .where(isPublished)
    .orderBy(...newestFirst)
    .limit(limit)
    .offset(offset);
  return rows.map((row) => row.id);
}

export async function countPublishedPosts(db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(posts)
    .where(isPublished);
  return row?.n ?? 0;
}

/** Rows in the order of `ids`; ids of posts that are not published are left out. */
export async function getPostSummaries(ids: readonly number[], db: Database = getDb()): Promise<PostSummaryRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      lead: sql<string>`left(${posts.body}, 1200)`,
      publishedAt: posts.publishedAt,
      tags: tagNamesOf,
      commentCount: publishedCommentCountOf,
      author: authorNameOf,
    })
    .from(posts)
    .where(and(isPublished, inArray(posts.id, [...ids])));
  const byId = new Map(rows.map((row) => [row.id, { ...row, publishedAt: row.publishedAt ?? new Date(0) }]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The related posts of post `id`, published at `publishedAt`: the public posts published before it
 * that share the most tags with it, the newest first among equals. Earlier posts only, so that
 * publishing a post changes no other post's choice (lib/core/cache-tags.ts, `tags.related`).
 */
export async function listRelatedPostIds(
  id: number,
  publishedAt: Date,
  limit: number,
  db: Database = getDb(),
): Promise<number[]> {
  const mine = alias(postTags, 'mine');
  const rows = await db
    .select({ id: posts.id })
    .from(mine)
    .innerJoin(postTags, and(eq(postTags.tagId, mine.tagId), ne(postTags.postId, mine.postId)))
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(
      and(
        eq(mine.postId, id),
        isPublished,
        or(lt(posts.publishedAt, publishedAt), and(eq(posts.publishedAt, publishedAt), lt(posts.id, id))),
      ),
    )
    .groupBy(posts.id)
    .orderBy(desc(sql`count(*)`), ...newestFirst)
    .limit(limit);
  return rows.map((row) => row.id);
}

export interface PostTitleRow {
  id: number;
  slug: string;
  title: string;
  publishedAt: Date;
}

/** Titles and dates in the order of `ids`; ids of posts that are not public are left out. */
export async function getPostTitles(ids: readonly number[], db: Database = getDb()): Promise<PostTitleRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: posts.id, slug: posts.slug, title: posts.title, publishedAt: posts.publishedAt })
    .from(posts)
    .where(and(isPublished, inArray(posts.id, [...ids])));
  const byId = new Map(rows.map((row) => [row.id, { ...row, publishedAt: row.publishedAt ?? new Date(0) }]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function findPublishedPostIdBySlug(slug: string, db: Database = getDb()): Promise<number | null> {
  const [row] = await db
    .select({ id: posts.id })
    .from(posts)
    .where(and(isPublished, eq(posts.slug, slug)));
  return row?.id ?? null;
}

export async function getPublishedPost(id: number, db: Database = getDb()): Promise<PostRow | null> {
  const [row] = await db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      body: posts.body,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      tags: tagNamesOf,
      author: authorNameOf,
    })
    .from(posts)
    .where(and(isPublished, eq(posts.id, id)));
  if (!row?.publishedAt) return null;
  return { ...row, publishedAt: row.publishedAt };
}

/** A post's published comments, replies among them, oldest first. */
export async function listPublishedComments(postId: number, db: Database = getDb()): Promise<PublicCommentRow[]> {
  return db
    .select({
      id: comments.id,
      parentId: comments.parentId,
      parentRemoved: comments.parentRemoved,
      authorName: comments.authorName,
      body: comments.body,
      createdAt: comments.createdAt,
    })
    .from(comments)
    .where(and(eq(comments.postId, postId), eq(comments.status, 'published')))
    .orderBy(asc(comments.createdAt), asc(comments.id));
}

/**
 * The comments of the post that published ones answer, directly or through others like them, and
 * that are not published themselves: `ids` are the parents the published comments name and did
 * not find among themselves. Read only when a thread has such a gap, so most reads of a post's
 * comments are one query.
 */
export async function listHiddenAncestors(
  postId: number,
  ids: readonly number[],
  db: Database = getDb(),
): Promise<HiddenCommentRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.execute<{
    id: number;
    parent_id: number | null;
    parent_removed: boolean;
    created_at: string;
  }>(sql`
    with recursive up (id, parent_id, parent_removed, created_at) as (
      select c.id, c.parent_id, c.parent_removed, c.created_at from ${comments} c
      where c.id = any(${sql.param([...ids])}::int[]) and c.post_id = ${postId} and c.status <> 'published'
      union
      select c.id, c.parent_id, c.parent_removed, c.created_at from ${comments} c join up on c.id = up.parent_id
      where c.post_id = ${postId} and c.status <> 'published'
    )
    select id, parent_id, parent_removed, created_at from up order by created_at, id`);
  return rows.map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    parentRemoved: row.parent_removed,
    createdAt: new Date(row.created_at),
  }));
}

/**
 * Whether a published reply hangs under the comment `id` names, at any depth. UNION, not UNION
 * ALL: a cycle of parents, which no writer makes, would still end.
 */
export function hasPublishedReplyBelow(id: SQL): SQL<boolean> {
  return sql<boolean>`exists (
    with recursive below (id, status) as (
      select r.id, r.status from ${comments} r where r.parent_id = ${id}
      union
      select r.id, r.status from ${comments} r join below on r.parent_id = below.id
    )
    select 1 from below where below.status = 'published')`;
}

export async function tagExists(name: string, db: Database = getDb()): Promise<boolean> {
  const [row] = await db.select({ id: tags.id }).from(tags).where(eq(tags.name, name));
  return row !== undefined;
}

export async function listPublishedPostIdsByTag(
  name: string,
  limit: number,
  offset: number,
  db: Database = getDb(),
): Promise<number[]> {
  const rows = await db
    .select({ id: posts.id })
    .from(posts)
    .innerJoin(postTags, eq(postTags.postId, posts.id))
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(and(isPublished, eq(tags.name, name)))
    .orderBy(...newestFirst)
    .limit(limit)
    .offset(offset);
  return rows.map((row) => row.id);
}

export async function countPublishedPostsByTag(name: string, db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(posts)
    .innerJoin(postTags, eq(postTags.postId, posts.id))
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(and(isPublished, eq(tags.name, name)));
  return row?.n ?? 0;
}

/** The published posts with ids from `first` to `last`, in id order: one sitemap file's. */
export async function listSitemapPostsInIdRange(
  first: number,
  last: number,
  db: Database = getDb(),
): Promise<{ slug: string; publishedAt: Date }[]> {
  const rows = await db
    .select({ slug: posts.slug, publishedAt: posts.publishedAt })
    .from(posts)
    .where(and(isPublished, between(posts.id, first, last)))
    .orderBy(asc(posts.id));
  return rows.map((row) => ({ slug: row.slug, publishedAt: row.publishedAt ?? new Date(0) }));
}

/**
 * The blocks of `size` ids that hold at least one published post, in order, each with the newest
 * publication time in it: the sitemap index's post files. One pass over the published posts.
 */
export async function listPublishedIdBlocks(
  size: number,
  db: Database = getDb(),
): Promise<{ block: number; newest: Date }[]> {
  const block = sql<number>`((${posts.id} - 1) / ${sql.raw(String(Math.trunc(size)))} + 1)::int`;
  const rows = await db
    .select({ block, newest: sql<Date>`max(${posts.publishedAt})` })
    .from(posts)
    .where(isPublished)
    .groupBy(block)
    .orderBy(block);
  return rows.map((row) => ({ block: row.block, newest: new Date(row.newest) }));
}

export async function listTagsInUse(db: Database = getDb()): Promise<string[]> {
  return listTagsInUseSlice(0, null, db);
}

/**
 * Tag names carried by published posts, in name order, from `offset`, at most `limit` of them:
 * per tag, the search stops at its first such post.
 */
export async function listTagsInUseSlice(
  offset: number,
  limit: number | null,
  db: Database = getDb(),
): Promise<string[]> {
  // A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a join of every tag link with every
  // published post (60 ms at 60,000 posts), where one index probe per tag answers.
  const firstPublishedPost = db
    .select({ id: posts.id })
    .from(postTags)
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(and(eq(postTags.tagId, tags.id), isPublished))
    .limit(1);
  const query = db
    .select({ name: tags.name })
    .from(tags)
    .where(sql`(${firstPublishedPost}) is not null`)
    .orderBy(asc(tags.name))
    .offset(offset);
  const rows = limit === null ? await query : await query.limit(limit);
  return rows.map((row) => row.name);
}

export async function countTagsInUse(db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${postTags.tagId})::int` })
    .from(postTags)
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(isPublished);
  return row?.n ?? 0;
}

export async function listNewestPublishedSlugs(limit: number, db: Database = getDb()): Promise<string[]> {
  const rows = await db
    .select({ slug: posts.slug })
    .from(posts)
    .where(isPublished)
    .orderBy(...newestFirst)
    .limit(limit);
  return rows.map((row) => row.slug);
}

/** A post in any status, as writers compare it before and after a change; drafts included. */
export interface PostState {
  id: number;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  tags: string[];
}

/** With `lock`, the row stays locked until the transaction ends: writers compare before and after. */
export async function readPostState(tx: Executor, id: number, lock: boolean): Promise<PostState | null> {
  const query = tx
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
    })
    .from(posts)
    .where(eq(posts.id, id));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) return null;
  return { ...row, tags: await readTagNames(tx, id) };
}

/** A post's tag names, in name order, whatever its status. */
export async function readTagNames(db: Executor, postId: number): Promise<string[]> {
  const rows = await db
    .select({ name: tags.name })
    .from(postTags)
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(eq(postTags.postId, postId))
    .orderBy(asc(tags.name));
  return rows.map((t) => t.name);
}

export async function getPostState(id: number, db: Database = getDb()): Promise<PostState | null> {
  return readPostState(db, id, false);
}

/** The slug of a public post (isPublished): a draft's or a scheduled post's is not public. */
export async function getPublicPostSlug(id: number, db: Database = getDb()): Promise<string | null> {
  const [row] = await db
    .select({ slug: posts.slug })
    .from(posts)
    .where(and(eq(posts.id, id), isPublished));
  return row?.slug ?? null;
}
