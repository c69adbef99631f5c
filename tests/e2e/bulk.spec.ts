import { createClient } from 'redis';
import { growDatabase } from '@/db/grow';
import { slotPrefix } from '@/lib/core/redis-keys';
import type { StatsReport } from '@/lib/stats/types';
import { testRedisUrl } from '../support/redis';
import { expect, test } from './support/fixtures';
import { get, healthDetail, OwnSite, type SiteServer } from './support/site';

/*
 * Big changes on a grown database (db/grow.ts, what `npm run db:grow` runs): an import written
 * with SQL while no server runs, announced by the next start as one change of some 240,000 tags,
 * is recorded and applied as one site-wide invalidation; every page is cached again at once; the
 * statistics stay small; and a change applied in several batches that a crash cuts in the middle
 * is applied whole at the next start.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('bulk'));
test.afterAll(async () => site.close());

interface Health {
  invalidationBacklog: number | null;
  cache: { catchingUp: boolean; cannotInvalidate: { since: string; error: string } | null };
}

const health = (server: SiteServer) => healthDetail<Health>(server.base);

const connect = () => createClient({ url: testRedisUrl, RESP: 2 });

async function withRedis<T>(work: (redis: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const redis = connect();
  await redis.connect();
  try {
    return await work(redis);
  } finally {
    await redis.quit();
  }
}

const tagTimesKey = () => `${slotPrefix(`${site.prefix}:cache`)}:tags`;

test('an import of 60,000 posts is announced as one site-wide invalidation: recorded, applied, every page cached again, the statistics small', async () => {
  test.setTimeout(420_000);
  let server = await site.start();
  const posts = await site.publishedNewestFirst();
  const seedPost = `/posts/${posts[3]!.slug}`;
  const tagPage = `/tags/${posts[0]!.tags[0]!}`;
  for (const path of ['/', seedPost, tagPage]) {
    await get(server.base, path);
    expect((await get(server.base, path)).cache, path).toBe('HIT');
  }
  await server.stop();

  const grown = await growDatabase(site.database.url, { posts: 60_000, commentsPerPost: 5 }, () => {});
  expect(grown.posts).toBe(60_000);
  const [archive] = await site.sql<{ slug: string }[]>`select slug from posts where id = ${grown.lastId}`;

  // The start announces the import before it serves: some 20 s on a quiet machine (the bench's
  // "start that announced the import"), over a minute beside the rest of the suite.
  server = await site.start({}, undefined, 180_000);
  try {
    const state = await health(server);
    expect(state.invalidationBacklog, 'nothing left in the outbox').toBe(0);
    expect(state.cache.catchingUp).toBe(false);
    expect(state.cache.cannotInvalidate).toBeNull();

    const pages = ['/', seedPost, tagPage, `/posts/${archive!.slug}`, '/page/2000'];
    for (const path of pages) {
      const first = await get(server.base, path);
      expect(first.status, path).toBe(200);
      expect((await get(server.base, path)).cache, `${path} is cached again`).toBe('HIT');
    }
    const home = await get(server.base, '/');
    expect(home.html, 'the homepage still shows the newest posts').toContain(posts[0]!.title);

    // One tag marked, not 240,000.
    const marked = await withRedis((redis) => redis.hLen(tagTimesKey()));
    expect(marked).toBeLessThan(100);

    const api = await fetch(`${server.base}/api/stats?range=24h`);
    const text = await api.text();
    expect(text.length, '/api/stats stays under 1 MB').toBeLessThan(1_000_000);
    const report = JSON.parse(text) as StatsReport;
    const bulk = report.invalidations.find((entry) => entry.event.bulkTags !== undefined);
    expect(bulk, 'the import is in the invalidation log').toBeDefined();
    expect(bulk!.tags).toEqual(['all']);
    // Each post's own tag and its slug's, and the lists and tag names they share.
    expect(bulk!.event.bulkTags).toBeGreaterThan(120_000);
    expect(bulk!.event.description).toMatch(/^60,000 posts published at their scheduled time: .* and 59,995 more$/);
    const dashboard = await (await fetch(`${server.base}/stats?range=24h`)).text();
    expect(dashboard.length, '/stats stays under 2 MB').toBeLessThan(2_000_000);
    expect(dashboard).toContain('the whole site was invalidated');
  } finally {
    await server.stop();
  }
});

test('a change applied in batches that a crash cuts in the middle is applied whole when the server starts again', async () => {
  test.setTimeout(180_000);
  // Below the threshold, so its tags are applied one by one, 1,000 to a batch.
  const env = { INVALIDATION_BULK_THRESHOLD: '10000' };
  const grown = await growDatabase(site.database.url, { posts: 2_000, commentsPerPost: 0 }, () => {});
  const postTags = Array.from({ length: grown.lastId - grown.firstId + 1 }, (_, i) => `post:${grown.firstId + i}`);
  const markedOf = () =>
    withRedis(async (redis) => (await redis.hmGet(tagTimesKey(), postTags)).filter((at) => at !== null).length);

  // The start announces the 2,000 posts, applies the first batch of their tags, and dies.
  const crashing = await site.start({ ...env, FRESHPRESS_FAULT: 'crash-mid-apply' }).then(
    (server) => server,
    (error: Error) => error,
  );
  expect(crashing, 'the server died while starting').toBeInstanceOf(Error);
  const [row] = await site.sql<{ unapplied: number }[]>`
    select count(*)::int as unapplied from invalidations where applied_at is null`;
  expect(row!.unapplied, 'the change is still in the outbox').toBe(1);
  const halfway = await markedOf();
  expect(halfway, 'some of its tags were applied').toBeGreaterThan(0);
  expect(halfway, 'not all of them').toBeLessThan(postTags.length);

  const server = await site.start(env);
  try {
    expect((await health(server)).invalidationBacklog).toBe(0);
    expect(await markedOf(), 'every tag of the change is applied').toBe(postTags.length);
  } finally {
    await server.stop();
  }
});
