import 'server-only';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb, type Database, type Executor } from './client';
import { comments, postTags, posts, tags, type CommentStatus } from './schema';

/*
 * Every SQL statement of the app. Nothing here selects `comments.author_email` for a reader that
 * feeds a page: the address is stored for moderation and must never reach HTML, RSS or JSON.
 */


const isPublished = eq(posts.status, 'published');
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
}

export interface PostRow {
  id: number;
  slug: string;
  title: string;
  body: string;
  publishedAt: Date;
  updatedAt: Date;
  tags: string[];
}

export interface PublicCommentRow {
  id: number;
  authorName: string;
  body: string;
  createdAt: Date;
}

// Correlated subqueries name the outer column in full: drizzle renders ${posts.id} as a bare "id",
// which inside the subquery would bind to the inner table's own id.
const outerPostId = sql.raw('"posts"."id"');

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
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(posts).where(isPublished);
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
    })
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
    })
    .from(posts)
    .where(and(isPublished, eq(posts.id, id)));
  if (!row?.publishedAt) return null;
  return { ...row, publishedAt: row.publishedAt };
}

export async function listPublishedComments(postId: number, db: Database = getDb()): Promise<PublicCommentRow[]> {
  return db
    .select({ id: comments.id, authorName: comments.authorName, body: comments.body, createdAt: comments.createdAt })
    .from(comments)
    .where(and(eq(comments.postId, postId), eq(comments.status, 'published')))
    .orderBy(asc(comments.createdAt), asc(comments.id));
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

export async function listSitemapEntries(db: Database = getDb()): Promise<{ slug: string; publishedAt: Date }[]> {
  const rows = await db
    .select({ slug: posts.slug, publishedAt: posts.publishedAt })
    .from(posts)
    .where(isPublished)
    .orderBy(...newestFirst);
  return rows.map((row) => ({ slug: row.slug, publishedAt: row.publishedAt ?? new Date(0) }));
}

export async function listTagsInUse(db: Database = getDb()): Promise<string[]> {
  const rows = await db
    .selectDistinct({ name: tags.name })
    .from(tags)
    .innerJoin(postTags, eq(postTags.tagId, tags.id))
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(isPublished)
    .orderBy(asc(tags.name));
  return rows.map((row) => row.name);
}

export async function listNewestPublishedSlugs(limit: number, db: Database = getDb()): Promise<string[]> {
  const rows = await db.select({ slug: posts.slug }).from(posts).where(isPublished).orderBy(...newestFirst).limit(limit);
  return rows.map((row) => row.slug);
}

// ---------------------------------------------------------------------------------------------
// Writes. Each returns what a writer needs to name the tags it must invalidate.
// ---------------------------------------------------------------------------------------------

export interface InsertedComment {
  id: number;
  postId: number;
  status: CommentStatus;
  createdAt: Date;
}

/**
 * Inserts only when the post exists and is published, in one statement, so a comment can never
 * be attached to a draft between a check and an insert.
 */
export async function insertCommentOnPublishedPost(
  input: { postId: number; authorName: string; authorEmail: string; body: string; status: CommentStatus },
  db: Executor = getDb(),
): Promise<InsertedComment | null> {
  const rows = await db.execute<{ id: number; post_id: number; status: CommentStatus; created_at: string }>(sql`
    insert into ${comments} (post_id, author_name, author_email, body, status)
    select ${input.postId}, ${input.authorName}, ${input.authorEmail}, ${input.body}, ${input.status}
    where exists (select 1 from ${posts} where id = ${input.postId} and status = 'published')
    returning id, post_id, status, created_at`);
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, postId: row.post_id, status: row.status, createdAt: new Date(row.created_at) };
}

/**
 * Whether the post already has this comment (same words, ignoring case and spacing), under a
 * transaction-scoped lock on that text, so two identical submissions arriving together cannot
 * both see "no" before either is stored. Call inside the transaction that inserts.
 */
export async function lockAndFindSameComment(postId: number, body: string, db: Executor): Promise<boolean> {
  const normalised = sql`lower(regexp_replace(${body}::text, '[[:space:]]+', ' ', 'g'))`;
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`comment:${postId}:`} || ${normalised}, 0))`);
  const rows = await db.execute<{ found: number }>(sql`
    select 1 as found from ${comments}
    where post_id = ${postId} and lower(regexp_replace(body, '[[:space:]]+', ' ', 'g')) = ${normalised}
    limit 1`);
  return rows.length > 0;
}

export async function getCommentState(id: number, db: Database = getDb()) {
  const [row] = await db
    .select({ id: comments.id, postId: comments.postId, status: comments.status })
    .from(comments)
    .where(eq(comments.id, id));
  return row ?? null;
}

/** Returns the status before the change, read under a row lock so concurrent moderators agree. */
export async function setCommentStatus(
  id: number,
  status: CommentStatus,
  db: Executor = getDb(),
): Promise<{ postId: number; previous: CommentStatus } | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ postId: comments.postId, status: comments.status })
      .from(comments)
      .where(eq(comments.id, id))
      .for('update');
    if (!row) return null;
    await tx.update(comments).set({ status }).where(eq(comments.id, id));
    return { postId: row.postId, previous: row.status };
  });
}

export async function deleteComment(
  id: number,
  db: Executor = getDb(),
): Promise<{ postId: number; previous: CommentStatus } | null> {
  const [row] = await db
    .delete(comments)
    .where(eq(comments.id, id))
    .returning({ postId: comments.postId, previous: comments.status });
  return row ?? null;
}

export interface PostState {
  id: number;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  tags: string[];
}

async function readPostState(tx: Executor, id: number, lock: boolean): Promise<PostState | null> {
  const query = tx
    .select({ id: posts.id, slug: posts.slug, title: posts.title, status: posts.status, publishedAt: posts.publishedAt })
    .from(posts)
    .where(eq(posts.id, id));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) return null;
  const tagRows = await tx
    .select({ name: tags.name })
    .from(postTags)
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(eq(postTags.postId, id))
    .orderBy(asc(tags.name));
  return { ...row, tags: tagRows.map((t) => t.name) };
}

export async function getPostState(id: number, db: Database = getDb()): Promise<PostState | null> {
  return readPostState(db, id, false);
}

export interface PostWrite {
  slug?: string;
  title?: string;
  body?: string;
  status?: 'draft' | 'published';
  publishedAt?: Date | null;
  tags?: readonly string[];
}

async function replaceTags(tx: Executor, postId: number, names: readonly string[]): Promise<void> {
  await tx.delete(postTags).where(eq(postTags.postId, postId));
  if (names.length === 0) return;
  await tx
    .insert(tags)
    .values(names.map((name) => ({ name })))
    .onConflictDoNothing();
  const tagRows = await tx.select({ id: tags.id }).from(tags).where(inArray(tags.name, [...names]));
  await tx.insert(postTags).values(tagRows.map((t) => ({ postId, tagId: t.id })));
}

/** Creates a post and returns its state; throws on a duplicate slug (unique violation 23505). */
export async function insertPost(
  input: Required<Pick<PostWrite, 'slug' | 'title' | 'body'>> & PostWrite,
  db: Executor = getDb(),
): Promise<PostState> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(posts)
      .values({
        slug: input.slug,
        title: input.title,
        body: input.body,
        status: input.status ?? 'draft',
        publishedAt: input.publishedAt ?? (input.status === 'published' ? new Date() : null),
      })
      .returning({ id: posts.id });
    if (!row) throw new Error('insert into posts returned no row');
    await replaceTags(tx, row.id, input.tags ?? []);
    const state = await readPostState(tx, row.id, false);
    if (!state) throw new Error('a post vanished inside its own transaction');
    return state;
  });
}

/** Applies a change and returns the post's state before and after it, read in the same transaction. */
export async function updatePost(
  id: number,
  change: PostWrite,
  db: Executor = getDb(),
): Promise<{ before: PostState; after: PostState } | null> {
  return db.transaction(async (tx) => {
    const before = await readPostState(tx, id, true);
    if (!before) return null;
    const publishing = change.status === 'published' && before.status !== 'published';
    const values = {
      ...(change.slug !== undefined && { slug: change.slug }),
      ...(change.title !== undefined && { title: change.title }),
      ...(change.body !== undefined && { body: change.body }),
      ...(change.status !== undefined && { status: change.status }),
      ...(change.publishedAt !== undefined
        ? { publishedAt: change.publishedAt }
        : publishing && before.publishedAt === null && { publishedAt: new Date() }),
      updatedAt: new Date(),
    };
    await tx.update(posts).set(values).where(eq(posts.id, id));
    if (change.tags !== undefined) await replaceTags(tx, id, change.tags);
    const after = await readPostState(tx, id, false);
    if (!after) throw new Error('a post vanished inside its own transaction');
    return { before, after };
  });
}

// ---------------------------------------------------------------------------------------------
// Seeding: bulk statements, used before any server runs, so nothing needs invalidating.
// ---------------------------------------------------------------------------------------------

export async function countAllPosts(db: Executor = getDb()): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(posts);
  return row?.n ?? 0;
}

export async function insertSeedContent(
  tagNames: readonly string[],
  seedPosts: readonly { slug: string; title: string; body: string; status: 'draft' | 'published'; publishedAt: Date | null; updatedAt: Date; tags: string[] }[],
  db: Executor = getDb(),
): Promise<Map<string, number>> {
  const tagRows = await db.insert(tags).values(tagNames.map((name) => ({ name }))).onConflictDoNothing().returning();
  const allTags = tagRows.length === tagNames.length ? tagRows : await db.select().from(tags).where(inArray(tags.name, [...tagNames]));
  const tagIds = new Map(allTags.map((tag) => [tag.name, tag.id]));
  const postRows = await db
    .insert(posts)
    .values(seedPosts.map(({ slug, title, body, status, publishedAt, updatedAt }) => ({ slug, title, body, status, publishedAt, updatedAt })))
    .returning({ id: posts.id, slug: posts.slug });
  const postIds = new Map(postRows.map((row) => [row.slug, row.id]));
  const links = seedPosts.flatMap((post) =>
    post.tags.map((name) => {
      const postId = postIds.get(post.slug);
      const tagId = tagIds.get(name);
      if (postId === undefined || tagId === undefined) throw new Error(`seed post ${post.slug} has unknown tag ${name}`);
      return { postId, tagId };
    }),
  );
  if (links.length > 0) await db.insert(postTags).values(links);
  return postIds;
}

export async function insertSeedComments(
  rows: { postId: number; authorName: string; authorEmail: string; body: string; status: CommentStatus; createdAt: Date }[],
  db: Executor = getDb(),
): Promise<number> {
  let inserted = 0;
  // Batches keep each statement well under PostgreSQL's 65,535 bind parameter limit.
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    await db.insert(comments).values(batch);
    inserted += batch.length;
  }
  return inserted;
}

export async function findPostIdsBySlugs(slugs: readonly string[], db: Executor = getDb()): Promise<Map<string, number>> {
  if (slugs.length === 0) return new Map();
  const rows = await db.select({ id: posts.id, slug: posts.slug }).from(posts).where(inArray(posts.slug, [...slugs]));
  return new Map(rows.map((row) => [row.slug, row.id]));
}

/** E-mail addresses of every commenter; the privacy tests look for each of them in every page. */
export async function listCommenterEmails(db: Database = getDb()): Promise<string[]> {
  const rows = await db.selectDistinct({ email: comments.authorEmail }).from(comments);
  return rows.map((row) => row.email);
}
