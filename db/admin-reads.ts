import 'server-only';
import { eq, sql } from 'drizzle-orm';
import { getDb, type Database } from './client';
import { comments } from './schema';

/*
 * Reads for the admin pages only. They are never cached: an admin page shows the database as it
 * is now, and nothing here may feed a public page.
 */

/** Comments waiting for a moderator (COMMENT_MODERATION=manual). */
export async function countPendingComments(db: Database = getDb()): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(comments).where(eq(comments.status, 'pending'));
  return row?.n ?? 0;
}
