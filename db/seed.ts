import { pathToFileURL } from 'node:url';
import { createDatabase } from './client';
import { runCli } from './migrate';
import { countAllPosts, findPostIdsBySlugs, insertSeedComments, insertSeedContent } from './seed-inserts';
import { generateSeedContent } from './seed-content';

export interface SeedReport {
  created: boolean;
  posts: number;
  tags: number;
  comments: number;
}

/**
 * Loads the demo content in one transaction, so a failed seed leaves nothing half-made. Running it
 * again changes nothing: the content is generated deterministically and an existing seed is kept.
 */
export async function seedDatabase(url: string, log: (line: string) => void = console.log): Promise<SeedReport> {
  const { db, sql } = createDatabase(url, { max: 1 });
  try {
    const content = generateSeedContent();
    const existing = await findPostIdsBySlugs(
      content.posts.map((post) => post.slug),
      db,
    );
    if (existing.size > 0) {
      log(
        `Demo content is already there (${existing.size} of its ${content.posts.length} posts found); nothing to do.`,
      );
      return { created: false, posts: existing.size, tags: content.tags.length, comments: 0 };
    }
    return await db.transaction(async (tx) => {
      log(`Seeding ${content.posts.length} posts and ${content.tags.length} tags…`);
      const postIds = await insertSeedContent(content.tags, content.posts, tx);
      log(`Seeding ${content.comments.length} comments…`);
      const comments = await insertSeedComments(
        content.comments.map(({ postSlug, ...comment }) => {
          const postId = postIds.get(postSlug);
          if (postId === undefined) throw new Error(`seed comment refers to unknown post ${postSlug}`);
          return { postId, ...comment };
        }),
        tx,
      );
      const published = content.posts.filter((post) => post.status === 'published').length;
      log(
        `Seeded ${content.posts.length} posts (${published} published, ${content.posts.length - published} drafts), ` +
          `${content.tags.length} tags and ${comments} comments.`,
      );
      return { created: true, posts: content.posts.length, tags: content.tags.length, comments };
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** For start-up: seed a database only when it holds no posts at all, never on top of real content. */
export async function seedIfEmpty(url: string, log: (line: string) => void = console.log): Promise<SeedReport | null> {
  const { db, sql } = createDatabase(url, { max: 1 });
  let count: number;
  try {
    count = await countAllPosts(db);
  } finally {
    await sql.end({ timeout: 5 });
  }
  if (count > 0) {
    log(`Database holds ${count} posts; not seeding.`);
    return null;
  }
  return seedDatabase(url, log);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(async (url) => {
    await seedDatabase(url);
  });
}
