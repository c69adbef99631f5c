import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { postTags, posts, tags } from './schema';
import { isPublished } from './visibility';

/*
 * Whether a post change brings a tag into use (its first published post) or out of use (its last):
 * the sitemap's tag pages depend on that alone. Not 'server-only': scheduled publication runs in
 * the server process outside Next's bundles (db/scheduled.ts).
 */

/**
 * Which of `names` a published post other than `exceptIds` carries. With `lock`, the tags' rows are
 * locked first, until the transaction ends: two writers that change the same tag's use then take
 * turns, and the second one reads what the first committed. Without it, a writer unpublishing a
 * tag's last post and one publishing another post with it could each see the other's post as it
 * was, and neither would report the change.
 */
export async function tagsInUseElsewhere(
  db: Executor,
  exceptIds: readonly number[],
  names: readonly string[],
  lock: boolean,
): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  if (lock) {
    // In name order, so writers locking several tags cannot deadlock on each other.
    await db
      .select({ id: tags.id })
      .from(tags)
      .where(inArray(tags.name, [...names]))
      .orderBy(asc(tags.name))
      .for('no key update');
  }
  const rows = await db
    .selectDistinct({ name: tags.name })
    .from(tags)
    .innerJoin(postTags, eq(postTags.tagId, tags.id))
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(
      and(
        inArray(tags.name, [...names]),
        isPublished,
        // One array parameter, not one per id: an import announces tens of thousands of posts at
        // once, past PostgreSQL's 65,535 parameters.
        ...(exceptIds.length > 0 ? [sql`not (${posts.id} = any(${sql.param([...exceptIds])}::int[]))`] : []),
      ),
    );
  return new Set(rows.map((row) => row.name));
}
