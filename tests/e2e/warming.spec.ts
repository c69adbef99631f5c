import { randomUUID } from 'node:crypto';
import type { StatsReport } from '@/lib/stats/types';
import { expect, pickUnrelatedTag, test } from './support/fixtures';
import { comment, get, OwnSite, type SiteServer } from './support/site';

/*
 * Warming after an invalidation (lib/page-cache/warming.ts), on production servers of this file's
 * own site sharing one Redis: the pages that depend on a change and were read lately are rendered
 * again before any reader asks, once across the servers, and the pages that do not depend on it are
 * left alone. Counted with the statistics (flushed every 200 ms here) and the render markers.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('warming'));
test.afterAll(async () => site.close());

const FAST_STATS = { STATS_FLUSH_MS: '200' };

type PageCounts = Pick<StatsReport['totals'], 'rebuilds' | 'warmed' | 'miss' | 'hit'>;

async function pageCounts(server: SiteServer, page: string): Promise<PageCounts> {
  const response = await fetch(`${server.base}/api/stats?range=1h&page=${encodeURIComponent(page)}`);
  expect(response.status).toBe(200);
  const { rebuilds, warmed, miss, hit } = ((await response.json()) as StatsReport).totals;
  return { rebuilds, warmed, miss, hit };
}

/** Resolves once every server has written its counts of everything answered before now. */
async function flushedEverywhere(servers: SiteServer[]): Promise<void> {
  const since = Date.now();
  for (const server of servers) {
    // A request of its own, so that a flush follows `since` even when nothing else is waiting.
    await get(server.base, '/robots.txt');
    await expect
      .poll(
        async () => {
          const report = (await (await fetch(`${server.base}/api/stats?range=1h`)).json()) as StatsReport;
          return Date.parse(report.store.lastFlushAt ?? '') > since;
        },
        { message: `the counts of :${server.port} are written`, intervals: [100] },
      )
      .toBe(true);
  }
}

/** The homepage's comment count link for a post, as it reads with `n` comments. */
const commentCount = (slug: string, n: number) =>
  new RegExp(`href="/posts/${slug}#comments"[^>]*>${n === 1 ? '1 comment' : `${n} comments`}<`);

const delta = (after: PageCounts, before: PageCounts) => ({
  rebuilds: after.rebuilds - before.rebuilds,
  warmed: after.warmed - before.warmed,
  miss: after.miss - before.miss,
});

test('after a comment on a homepage post, the homepage and the post are rendered again once across two servers before any reader asks; other pages are left alone', async () => {
  const [a, b] = await Promise.all([site.start(FAST_STATS), site.start(FAST_STATS)]);
  try {
    const posts = await site.publishedNewestFirst();
    const target = posts[0]!;
    const unrelatedPost = posts.find((p, i) => i > 30 && !p.tags.some((t) => target.tags.includes(t)))!;
    const affected = ['/', `/posts/${target.slug}`];
    const untouched = [`/posts/${unrelatedPost.slug}`, `/tags/${pickUnrelatedTag(posts, target)}`];
    const markers = new Map<string, string | null>();
    for (const path of [...affected, ...untouched]) {
      await get(a.base, path);
      await get(b.base, path);
      const cached = await get(a.base, path);
      expect(cached.cache, path).toBe('HIT');
      markers.set(path, cached.marker);
    }
    await flushedEverywhere([a, b]);
    const before = new Map<string, PageCounts>();
    for (const path of [...affected, ...untouched]) before.set(path, await pageCounts(a, path));

    const count = await site.publishedComments(target.id);
    const body = `warmed before anyone asked ${randomUUID()}`;
    await comment(a.base, target.id, body);

    // No reader asks until both pages are counted as warmed.
    for (const path of affected)
      await expect
        .poll(async () => (await pageCounts(a, path)).warmed - before.get(path)!.warmed, {
          message: `${path} is warmed`,
          intervals: [100],
        })
        .toBe(1);

    for (const path of affected) {
      for (const server of [b, a]) {
        const page = await get(server.base, path);
        expect(page.cache, `${path} through :${server.port}`).toBe('HIT');
        // The homepage shows the post's comment count, the post page the comment itself.
        if (path === '/')
          expect(page.html, 'the homepage counts the comment').toMatch(commentCount(target.slug, count + 1));
        else expect(page.html, `${path} shows the comment`).toContain(body);
        expect(page.marker, `${path} was rendered again`).not.toBe(markers.get(path));
      }
    }
    for (const path of untouched) {
      const page = await get(b.base, path);
      expect(page.cache, path).toBe('HIT');
      expect(page.marker, `${path} was left alone`).toBe(markers.get(path));
    }

    await flushedEverywhere([a, b]);
    for (const path of affected)
      expect(delta(await pageCounts(b, path), before.get(path)!), path).toEqual({ rebuilds: 1, warmed: 1, miss: 0 });
    for (const path of untouched)
      expect(delta(await pageCounts(b, path), before.get(path)!), path).toEqual({ rebuilds: 0, warmed: 0, miss: 0 });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a page not read within WARM_WINDOW is not warmed: its next reader renders it', async () => {
  const server = await site.start({ ...FAST_STATS, WARM_WINDOW: '2' });
  try {
    const posts = await site.publishedNewestFirst();
    const target = posts[1]!;
    const tagPage = `/tags/${target.tags[0]!}`;
    const postPage = `/posts/${target.slug}`;
    await get(server.base, tagPage);
    expect((await get(server.base, tagPage)).cache).toBe('HIT');
    // The window is what is under test: it has to pass, and nothing announces that it has.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await get(server.base, postPage);
    expect((await get(server.base, postPage)).cache).toBe('HIT');
    await flushedEverywhere([server]);
    const tagBefore = await pageCounts(server, tagPage);
    const postBefore = await pageCounts(server, postPage);

    const body = `outside the window ${randomUUID()}`;
    await comment(server.base, target.id, body);
    await expect
      .poll(async () => (await pageCounts(server, postPage)).warmed - postBefore.warmed, {
        message: 'the page read within the window is warmed',
        intervals: [100],
      })
      .toBe(1);
    await flushedEverywhere([server]);
    expect((await pageCounts(server, tagPage)).warmed).toBe(tagBefore.warmed);

    const tag = await get(server.base, tagPage);
    expect(tag.cache).toBe('MISS');
    expect(tag.html).toContain(target.title);
    expect((await get(server.base, postPage)).html).toContain(body);
  } finally {
    await server.stop();
  }
});
