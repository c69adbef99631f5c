import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { getDb, type Database, type Executor } from './client';
import { postTags, posts, tags } from './schema';

/*
 * Scheduled publication's statements. A post is announced when the caches have been told that its
 * publication time arrived: `announced_at` holds the publication time that was announced, so a
 * re-dated post is announced again at its new time. Not 'server-only': the server process
 * (server/serve.ts) runs the timer outside Next's bundles, like db/outbox.ts.
 */

const unannounced = and(eq(posts.status, 'published'), sql`${posts.announcedAt} IS DISTINCT FROM ${posts.publishedAt}`);

export interface DuePublication {
  id: number;
  slug: string;
  title: string;
  publishedAt: Date;
  tags: string[];
}

/** When the next publication comes due (possibly already past), or null; one index lookup. */
export async function nextPublicationDue(db: Database = getDb()): Promise<Date | null> {
  const [row] = await db
    .select({ at: posts.publishedAt })
    .from(posts)
    .where(unannounced)
    .orderBy(asc(posts.publishedAt))
    .limit(1);
  return row?.at ?? null;
}

/**
 * Claims every publication that has come due: one UPDATE, so of several servers claiming at once
 * each post goes to exactly one. Called inside the transaction that records the invalidation, so a
 * claim that is rolled back leaves the post to be announced again.
 */
export async function claimDuePublications(tx: Executor): Promise<DuePublication[]> {
  // One statement whatever the number of posts due (an import can make 60,000 due at once): a list
  // of their ids as parameters would pass PostgreSQL's limit of 65,535.
  const rows = await tx.execute<{
    id: number;
    slug: string;
    title: string;
    published_at: Date | string;
    tags: string[];
  }>(sql`
    with claimed as (
      update ${posts} set ${sql.identifier(posts.announcedAt.name)} = ${posts.publishedAt}
      where ${and(unannounced, lte(posts.publishedAt, sql`clock_timestamp()`))}
      returning ${posts.id}, ${posts.slug}, ${posts.title}, ${posts.publishedAt}
    )
    select claimed.id, claimed.slug, claimed.title, claimed.published_at,
      coalesce(array_agg(${tags.name} order by ${tags.name}) filter (where ${tags.name} is not null), '{}') as tags
    from claimed
    left join ${postTags} on ${postTags.postId} = claimed.id
    left join ${tags} on ${tags.id} = ${postTags.tagId}
    group by claimed.id, claimed.slug, claimed.title, claimed.published_at
    order by claimed.id`);
  return rows.map((row) => ({
    id: Number(row.id),
    slug: row.slug,
    title: row.title,
    publishedAt: new Date(row.published_at),
    tags: row.tags,
  }));
}

/** After a write: a post public at once was announced by that write itself, not by the timer. */
export async function markAnnouncedIfDue(tx: Executor, id: number): Promise<void> {
  await tx
    .update(posts)
    .set({ announcedAt: sql`${posts.publishedAt}` })
    .where(and(eq(posts.id, id), unannounced, lte(posts.publishedAt, sql`clock_timestamp()`)));
}
