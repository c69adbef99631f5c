import { randomUUID } from 'node:crypto';
import type { AheadReport } from '@/lib/page-cache/render-ahead';
import type { StatsReport } from '@/lib/stats/types';
import { expect, generatedAtOf, pickUnrelatedTag, test } from './support/fixtures';
import { comment, get, healthDetail, OwnSite, type SiteServer } from './support/site';

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
// How long a writer waits for its renders ahead is not under test where this is used: what goes live
// with the change is. A 2-core machine building or testing beside the suite can take seconds a render.
const AHEAD_BUDGET = { RENDER_AHEAD_MS: '10000' };

type PageCounts = Pick<StatsReport['totals'], 'rebuilds' | 'warmed' | 'miss' | 'hit' | 'avoided'>;

async function pageCounts(server: SiteServer, page: string): Promise<PageCounts> {
  const response = await fetch(`${server.base}/api/stats?range=1h&page=${encodeURIComponent(page)}`);
  expect(response.status).toBe(200);
  const { rebuilds, warmed, miss, hit, avoided } = ((await response.json()) as StatsReport).totals;
  return { rebuilds, warmed, miss, hit, avoided };
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
  // Readers who waited for another server's render of the page.
  avoided: after.avoided - before.avoided,
});

/**
 * Each page read through both servers until cached, so both index it as read lately; then every
 * count written. Returns each page's render marker and counts.
 */
async function readOnBoth(a: SiteServer, b: SiteServer, paths: string[]) {
  const markers = new Map<string, string | null>();
  for (const path of paths) {
    await get(a.base, path);
    await get(b.base, path);
    const cached = await get(a.base, path);
    expect(cached.cache, path).toBe('HIT');
    markers.set(path, cached.marker);
  }
  await flushedEverywhere([a, b]);
  const before = new Map<string, PageCounts>();
  for (const path of paths) before.set(path, await pageCounts(a, path));
  return { markers, before };
}

/** Once every count is written: each page's counts moved by `expected` since `before`. */
async function expectCounted(
  servers: SiteServer[],
  paths: string[],
  before: Map<string, PageCounts>,
  expected: ReturnType<typeof delta>,
): Promise<void> {
  await flushedEverywhere(servers);
  for (const path of paths)
    expect(delta(await pageCounts(servers[0]!, path), before.get(path)!), path).toEqual(expected);
}

test('after a comment on a homepage post, the homepage and the post are rendered again once across two servers before any reader asks; other pages are left alone', async () => {
  // Warming after the change, in the background: rendering ahead of it is the next test's.
  const env = { ...FAST_STATS, RENDER_AHEAD_MS: '0' };
  const [a, b] = await Promise.all([site.start(env), site.start(env)]);
  try {
    const posts = await site.publishedNewestFirst();
    const target = posts[0]!;
    const unrelatedPost = posts.find((p, i) => i > 30 && !p.tags.some((t) => target.tags.includes(t)))!;
    const affected = ['/', `/posts/${target.slug}`];
    const untouched = [`/posts/${unrelatedPost.slug}`, `/tags/${pickUnrelatedTag(posts, target)}`];
    const { markers, before } = await readOnBoth(a, b, [...affected, ...untouched]);

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

    await expectCounted([a, b], affected, before, { rebuilds: 1, warmed: 1, miss: 0, avoided: 0 });
    await expectCounted([a, b], untouched, before, { rebuilds: 0, warmed: 0, miss: 0, avoided: 0 });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('the pages a comment changes are rendered ahead of it and go live with it: the first reader on the other server, right after the response, gets a hit that shows the comment', async () => {
  const [a, b] = await Promise.all([
    site.start({ ...FAST_STATS, ...AHEAD_BUDGET }),
    site.start({ ...FAST_STATS, ...AHEAD_BUDGET }),
  ]);
  try {
    const posts = await site.publishedNewestFirst();
    const target = posts[2]!;
    const affected = ['/', `/posts/${target.slug}`];
    const { markers, before } = await readOnBoth(a, b, affected);

    const installed = async () =>
      (await healthDetail<{ renderedAhead: { installed: number } }>(a.base)).renderedAhead.installed;
    const installedBefore = await installed();
    const count = await site.publishedComments(target.id);
    const body = `rendered ahead ${randomUUID()}`;
    await comment(a.base, target.id, body);
    expect(await installed(), 'the writer installed both pages with its change').toBeGreaterThanOrEqual(
      installedBefore + affected.length,
    );

    // At once, on both servers: no reader shares or waits for a render.
    for (const path of affected) {
      const [page, writers] = await Promise.all([get(b.base, path), get(a.base, path)]);
      expect(page.cache, `${path} through :${b.port}`).toBe('HIT');
      expect(writers.cache, `${path} through :${a.port}`).toBe('HIT');
      if (path === '/')
        expect(page.html, 'the homepage counts the comment').toMatch(commentCount(target.slug, count + 1));
      else expect(page.html, `${path} shows the comment`).toContain(body);
      expect(page.marker, `${path} was rendered again`).not.toBe(markers.get(path));
    }

    await expectCounted([a, b], affected, before, { rebuilds: 1, warmed: 1, miss: 0, avoided: 0 });
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
    // The window is what is under test: it has to pass, and nothing announces that it has. Reads
    // are stamped when they are written to Redis, up to a second after they happen: 2 s + 1 s + margin.
    await new Promise((resolve) => setTimeout(resolve, 3500));
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

/**
 * Readers asking for `path` without pause on each server, with each set of `headers` in turn, until
 * `stop` is called; every answer's x-nextjs-cache, and what tells where each answer that was not a
 * hit came from: its server, its time, its render's marker and where else that render was served.
 */
function readWithoutPause(servers: SiteServer[], path: string, perServer: number, headers: Record<string, string>[]) {
  let reading = true;
  const started = Date.now();
  const answers: string[] = [];
  const notHits: { port: number; cache: string; ms: number; marker: string | null }[] = [];
  const hitsOf = new Map<string | null, Set<number>>();
  const reader = async (server: SiteServer, headers: Record<string, string>) => {
    while (reading) {
      const response = await fetch(`${server.base}${path}`, { headers });
      const marker = generatedAtOf(await response.text());
      const cache = response.headers.get('x-nextjs-cache') ?? '–';
      answers.push(cache);
      if (cache !== 'HIT') notHits.push({ port: server.port, cache, ms: Date.now() - started, marker });
      else hitsOf.set(marker, (hitsOf.get(marker) ?? new Set()).add(server.port));
    }
  };
  const readers = servers.flatMap((server) =>
    Array.from({ length: perServer }, (_, i) => reader(server, headers[i % headers.length]!)),
  );
  return {
    stop: async () => {
      reading = false;
      await Promise.all(readers);
      return {
        answers,
        notHits: notHits.map((answer) => ({ ...answer, alsoHitOn: [...(hitsOf.get(answer.marker) ?? [])] })),
      };
    },
  };
}

const aheadReport = async (server: SiteServer) =>
  (await healthDetail<{ renderedAhead: AheadReport }>(server.base)).renderedAhead;

test('with readers asking for the homepage through Next without pause, every page rendered ahead of a comment goes live with it, and no reader waits for it', async () => {
  // Next joins concurrent requests for one page into one lookup or render: with every read going
  // through Next (no fast path), a reader is always there to be joined to a render ahead, or to join it.
  const server = await site.start({ ...FAST_STATS, ...AHEAD_BUDGET, FAST_PATH: 'off' });
  try {
    const posts = await site.publishedNewestFirst();
    await get(server.base, '/');
    expect((await get(server.base, '/')).cache).toBe('HIT');
    const before = await aheadReport(server);
    const readers = readWithoutPause([server], '/', 6, [{}]);
    for (const post of posts.slice(0, 5)) await comment(server.base, post.id, `read without pause ${randomUUID()}`);
    const { answers, notHits } = await readers.stop();
    expect(answers.length, 'the readers were answered throughout').toBeGreaterThan(30);
    expect(notHits, 'no reader was given a render').toEqual([]);
    const after = await aheadReport(server);
    expect(after.changes - before.changes, 'each comment was rendered ahead').toBe(5);
    expect(after.late - before.late, 'no page was left for later').toBe(0);
    expect(after.rendered - before.rendered).toBeGreaterThanOrEqual(5);
    expect(after.installed - before.installed, 'every page rendered ahead went live with its change').toBe(
      after.rendered - before.rendered,
    );
  } finally {
    await server.stop();
  }
});

test('comments on homepage posts one after another, with browsers reading the homepage on two servers without pause: no reader waits for a render', async () => {
  const [a, b] = await Promise.all([
    site.start({ ...FAST_STATS, ...AHEAD_BUDGET }),
    site.start({ ...FAST_STATS, ...AHEAD_BUDGET }),
  ]);
  try {
    const posts = await site.publishedNewestFirst();
    const { before } = await readOnBoth(a, b, ['/']);
    const ahead = await aheadReport(a);
    // Browsers, and clients that take no encoding (crawlers, feed readers).
    const readers = readWithoutPause([a, b], '/', 6, [{ 'accept-encoding': 'gzip, deflate, br' }, {}]);
    const comments = posts.slice(0, 8);
    for (const post of comments) await comment(a.base, post.id, `storm ${randomUUID()}`);
    const { answers, notHits } = await readers.stop();
    expect(answers.length, 'the readers were answered throughout').toBeGreaterThan(100);
    expect(
      answers.filter((cache) => cache !== 'HIT'),
      `every reader got a cached page (renders ahead before ${JSON.stringify(ahead)}, after ${JSON.stringify(await aheadReport(a))}; server a is :${a.port}; not hits: ${JSON.stringify(notHits)})`,
    ).toEqual([]);
    await expectCounted([a, b], ['/'], before, {
      rebuilds: comments.length,
      warmed: comments.length,
      miss: 0,
      avoided: 0,
    });
    const home = await get(b.base, '/');
    for (const post of comments)
      expect(home.html).toMatch(commentCount(post.slug, await site.publishedComments(post.id)));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
