import { and, eq, lte, sql } from 'drizzle-orm';
import { posts } from './schema';

/*
 * The one rule for a public post, for every reader and writer: published, at a time not in the
 * future. A scheduled post is on no page, open to no comment and named by no public answer until
 * then, when the server's publication timer (lib/posts/scheduled-publication.ts) invalidates the
 * pages it joins. Not 'server-only': db/tags-in-use.ts runs outside Next's bundles too.
 */
export const isPublished = and(eq(posts.status, 'published'), lte(posts.publishedAt, sql`now()`))!;
