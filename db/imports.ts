import 'server-only';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { movingPostColumns } from './exports';
import { comments, postTags, posts, tags, users } from './schema';

/*
 * An import's statements (lib/moving/import.ts runs them in one transaction). Rows are found again
 * by their source and their id there (posts.source, source_id; comments likewise), and written in
 * batches: one statement per batch, not per row, so a blog of thousands of posts imports in seconds.
 */

/** Rows per multi-row insert: 13 columns each stays far below PostgreSQL's 65,535 parameters. */
const BATCH = 500;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

export interface ImportedPostRow {
  id: number;
  sourceId: string;
  slug: string;
  title: string;
  body: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
  authorId: number | null;
  tags: string[];
}

/** Two imports of one blog at once would both insert its posts: the second waits for the first. */
export async function lockImport(tx: Executor, source: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`freshpress:import:${source}`}))`);
}

export async function findImportedPosts(tx: Executor, source: string): Promise<ImportedPostRow[]> {
  const rows = await tx
    .select({ ...movingPostColumns, sourceId: posts.sourceId })
    .from(posts)
    .where(eq(posts.source, source))
    .for('update');
  return rows.map(({ tagNames, ...row }) => ({
    ...row,
    sourceId: row.sourceId!,
    tags: tagNames.split(' ').filter(Boolean),
  }));
}

/** The slugs already used that an import's wanted slugs could collide with (themselves, or with `-N`). */
export async function slugsLike(tx: Executor, bases: readonly string[]): Promise<Set<string>> {
  if (bases.length === 0) return new Set();
  const rows = await tx.execute<{ slug: string }>(sql`
    select slug from ${posts}
    where regexp_replace(slug, '-[0-9]+$', '') = any(${sql.param([...bases])}::text[]) or slug = any(${sql.param([...bases])}::text[])`);
  return new Set(rows.map((row) => row.slug));
}

/** How many of these slugs name posts written here rather than imported: an export's own blog has them all. */
export async function slugsWrittenHere(tx: Executor, slugs: readonly string[]): Promise<number> {
  if (slugs.length === 0) return 0;
  const [row] = await tx.execute<{ n: number }>(sql`
    select count(*)::int as n from ${posts} where source is null and slug = any(${sql.param([...slugs])}::text[])`);
  return row?.n ?? 0;
}

/**
 * Accounts for the archive's authors: an address that already has an account keeps it as it is;
 * a new one gets `passwordHash`, which no password matches. Returns every address's account id.
 */
export async function ensureAuthors(
  tx: Executor,
  authors: readonly { email: string; name: string }[],
  passwordHash: string,
): Promise<{ ids: Map<string, number>; created: number }> {
  if (authors.length === 0) return { ids: new Map(), created: 0 };
  let created = 0;
  for (const batch of chunks(authors)) {
    const inserted = await tx
      .insert(users)
      .values(batch.map((a) => ({ email: a.email, name: a.name, role: 'author' as const, passwordHash })))
      .onConflictDoNothing()
      .returning({ id: users.id });
    created += inserted.length;
  }
  const rows = await tx
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(
      inArray(
        users.email,
        authors.map((a) => a.email),
      ),
    );
  return { ids: new Map(rows.map((row) => [row.email, row.id])), created };
}

export async function ensureTags(tx: Executor, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  for (const batch of chunks(names))
    await tx
      .insert(tags)
      .values(batch.map((name) => ({ name })))
      .onConflictDoNothing();
  const rows = await tx
    .select({ id: tags.id, name: tags.name })
    .from(tags)
    .where(inArray(tags.name, [...names]));
  return new Map(rows.map((row) => [row.name, row.id]));
}

export interface PostValues {
  sourceId: string;
  slug: string;
  title: string;
  body: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
  authorId: number | null;
}

export async function insertImportedPosts(
  tx: Executor,
  source: string,
  rows: readonly PostValues[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const batch of chunks(rows)) {
    const inserted = await tx
      .insert(posts)
      .values(batch.map((row) => ({ ...row, source })))
      .returning({ id: posts.id, sourceId: posts.sourceId });
    for (const row of inserted) ids.set(row.sourceId!, row.id);
  }
  return ids;
}

export async function updateImportedPost(
  tx: Executor,
  id: number,
  values: Omit<PostValues, 'sourceId'>,
): Promise<void> {
  await tx.update(posts).set(values).where(eq(posts.id, id));
}

/** Replaces the tags of these posts: the post_tags trigger rewrites each post's tag names once. */
export async function replaceImportedTags(tx: Executor, links: ReadonlyMap<number, readonly number[]>): Promise<void> {
  const postIds = [...links.keys()];
  for (const batch of chunks(postIds)) await tx.delete(postTags).where(inArray(postTags.postId, batch));
  const rows = [...links].flatMap(([postId, tagIds]) => tagIds.map((tagId) => ({ postId, tagId })));
  for (const batch of chunks(rows)) await tx.insert(postTags).values(batch);
}

/**
 * What the import made public at once was announced by the import's own invalidation; a post
 * scheduled for later is left to the publication timer (db/scheduled.ts), which announces it when due.
 */
export async function markImportedAnnounced(tx: Executor, ids: readonly number[]): Promise<void> {
  for (const batch of chunks(ids))
    await tx
      .update(posts)
      .set({ announcedAt: sql`${posts.publishedAt}` })
      .where(
        and(inArray(posts.id, batch), eq(posts.status, 'published'), sql`${posts.publishedAt} <= clock_timestamp()`),
      );
}

export async function findImportedComments(tx: Executor, source: string): Promise<Map<string, number>> {
  const rows = await tx
    .select({ id: comments.id, sourceId: comments.sourceId })
    .from(comments)
    .where(eq(comments.source, source));
  return new Map(rows.map((row) => [row.sourceId!, row.id]));
}

export interface CommentValues {
  sourceId: string;
  postId: number;
  parentId: number | null;
  parentRemoved: boolean;
  authorName: string;
  authorEmail: string;
  body: string;
  status: 'pending' | 'published' | 'spam';
  createdAt: Date;
}

export async function insertImportedComments(
  tx: Executor,
  source: string,
  rows: readonly CommentValues[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const batch of chunks(rows)) {
    const inserted = await tx
      .insert(comments)
      .values(batch.map((row) => ({ ...row, source })))
      .returning({ id: comments.id, sourceId: comments.sourceId });
    for (const row of inserted) ids.set(row.sourceId!, row.id);
  }
  return ids;
}

/** The planner's statistics after an import much larger than the tables were. */
export async function analyzeImported(db: Executor): Promise<void> {
  await db.execute(sql`analyze posts, post_tags, comments`);
}
