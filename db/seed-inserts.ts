import 'server-only';
import { inArray, sql } from 'drizzle-orm';
import { getDb, type Executor } from './client';
import { comments, postTags, posts, tags, type CommentStatus } from './schema';

/*
 * The seed's own statements: bulk inserts, run before any server serves the content, so nothing
 * needs invalidating.
 */

export async function countAllPosts(db: Executor = getDb()): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(posts);
  return row?.n ?? 0;
}

export async function insertSeedContent(
  tagNames: readonly string[],
  seedPosts: readonly {
    slug: string;
    title: string;
    body: string;
    status: 'draft' | 'published';
    publishedAt: Date | null;
    updatedAt: Date;
    tags: string[];
  }[],
  db: Executor = getDb(),
): Promise<Map<string, number>> {
  const tagRows = await db
    .insert(tags)
    .values(tagNames.map((name) => ({ name })))
    .onConflictDoNothing()
    .returning();
  const allTags =
    tagRows.length === tagNames.length
      ? tagRows
      : await db
          .select()
          .from(tags)
          .where(inArray(tags.name, [...tagNames]));
  const tagIds = new Map(allTags.map((tag) => [tag.name, tag.id]));
  const seededAt = new Date();
  const postRows = await db
    .insert(posts)
    // Seeded as written long ago: what is already public needs no announcement from the publication timer.
    .values(
      seedPosts.map(({ slug, title, body, status, publishedAt, updatedAt }) => ({
        slug,
        title,
        body,
        status,
        publishedAt,
        updatedAt,
        announcedAt: status === 'published' && publishedAt && publishedAt <= seededAt ? publishedAt : null,
      })),
    )
    .returning({ id: posts.id, slug: posts.slug });
  const postIds = new Map(postRows.map((row) => [row.slug, row.id]));
  const links = seedPosts.flatMap((post) =>
    post.tags.map((name) => {
      const postId = postIds.get(post.slug);
      const tagId = tagIds.get(name);
      if (postId === undefined || tagId === undefined)
        throw new Error(`seed post ${post.slug} has unknown tag ${name}`);
      return { postId, tagId };
    }),
  );
  if (links.length > 0) await db.insert(postTags).values(links);
  return postIds;
}

export async function insertSeedComments(
  rows: {
    postId: number;
    authorName: string;
    authorEmail: string;
    body: string;
    status: CommentStatus;
    createdAt: Date;
  }[],
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

export async function findPostIdsBySlugs(
  slugs: readonly string[],
  db: Executor = getDb(),
): Promise<Map<string, number>> {
  if (slugs.length === 0) return new Map();
  const rows = await db
    .select({ id: posts.id, slug: posts.slug })
    .from(posts)
    .where(inArray(posts.slug, [...slugs]));
  return new Map(rows.map((row) => [row.slug, row.id]));
}
