import { randomUUID } from 'node:crypto';
import { startPrivateRedis } from '../support/redis';
import { expect, test } from './support/fixtures';
import postgres from 'postgres';
import { freePort, startProcess, waitForHttp } from './support/server';
import { comment, get, healthDetail, OwnSite, postComment, SITE_ADMIN_TOKEN } from './support/site';

/*
 * The page cache shared by every server: production servers of this file's own site (its own
 * database and Redis prefix), started, killed and restarted by the tests.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('shared_cache'));
test.afterAll(async () => site.close());

const startServer = (extra: Record<string, string> = {}, port?: number) => site.start(extra, port);

const health = (base: string) =>
  healthDetail<{
    invalidationBacklog: number | null;
    cache: { cannotInvalidate: { since: string; error: string } | null };
  }>(base);
const publishedNewestFirst = () => site.publishedNewestFirst();

test('a page rendered through one server is a cache hit, with the same render, through another', async () => {
  const [a, b] = await Promise.all([startServer(), startServer()]);
  try {
    const posts = await publishedNewestFirst();
    // Not prerendered by the build: only a render through a server can put it in the cache.
    const target = `/posts/${posts[150]!.slug}`;
    const first = await get(a.base, target);
    expect(first.cache).toBe('MISS');
    const other = await get(b.base, target);
    expect(other.cache).toBe('HIT');
    expect(other.marker).toBe(first.marker);
    // A prerendered page, never requested before: both read the build's copy.
    const home = await get(b.base, '/');
    expect(home.cache).toBe('HIT');
    expect((await get(a.base, '/')).marker).toBe(home.marker);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('fifty concurrent requests after an invalidation, spread over two servers, cause one render', async () => {
  // The rebuild lock is under test: no render ahead of the change (tests/e2e/warming.spec.ts has those).
  const [a, b] = await Promise.all([startServer({ RENDER_AHEAD_MS: '0' }), startServer({ RENDER_AHEAD_MS: '0' })]);
  try {
    const [post] = await publishedNewestFirst();
    await get(a.base, '/');
    const before = await get(b.base, '/');
    await comment(a.base, post!.id, `stampede ${randomUUID()}`);
    const pages = await Promise.all(Array.from({ length: 50 }, (_, i) => get(i % 2 ? a.base : b.base, '/')));
    const markers = new Set(pages.map((page) => page.marker));
    expect(pages.every((page) => page.status === 200)).toBe(true);
    expect(markers.size, `render markers seen: ${[...markers].join(', ')}`).toBe(1);
    expect(markers.has(before.marker)).toBe(false);
    // The server that waited says so on the dashboard.
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${a.base}/api/stats?range=1h`)).json()) as { totals: { avoided: number } }).totals
            .avoided,
        {
          message: 'rebuilds avoided are counted',
        },
      )
      .toBeGreaterThan(0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a render that began before an invalidation is not stored as fresh', async () => {
  const [a, b] = await Promise.all([startServer(), startServer()]);
  try {
    const posts = await publishedNewestFirst();
    const post = posts[120]!;
    const patch = (base: string, title: string) =>
      fetch(`${base}/api/admin/posts/${post.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    expect((await patch(b.base, 'Before the race')).status).toBe(200);

    // Hold the page's render after it has read the post and before it reads the comments.
    const locker = postgres(site.database.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lock = locker.begin(async (tx) => {
      await tx`lock table comments in access exclusive mode`;
      await held;
    });
    const slowRender = get(a.base, `/posts/${post.slug}`);
    await expect
      .poll(
        async () => {
          const [row] = await site.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = ${site.database.name} and wait_event_type = 'Lock'`;
          return row?.n ?? 0;
        },
        { message: 'the render waits for the comments table' },
      )
      .toBeGreaterThan(0);

    // Meanwhile, through the other server: the title changes, and its invalidation is recorded.
    expect((await patch(b.base, 'After the race')).status).toBe(200);
    release();
    await lock;
    await locker.end({ timeout: 5 });
    const raced = await slowRender;
    expect(raced.html).toContain('Before the race');

    const after = await get(a.base, `/posts/${post.slug}`);
    expect(after.html).toContain('After the race');
    expect(after.html).not.toContain('Before the race');
    expect((await get(b.base, `/posts/${post.slug}`)).html).toContain('After the race');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('killed with -9 after an acknowledged write and before any read, a restarted server serves the change (shared cache)', async () => {
  const port = await freePort();
  const posts = await publishedNewestFirst();
  const post = posts[3]!;
  let server = await startServer({}, port);
  try {
    await get(server.base, `/posts/${post.slug}`);
    expect((await get(server.base, `/posts/${post.slug}`)).cache).toBe('HIT');
    const body = `after a crash ${randomUUID()}`;
    await comment(server.base, post.id, body);
    await server.stop('SIGKILL');
    server = await startServer({}, port);
    expect((await get(server.base, `/posts/${post.slug}`)).html).toContain(body);
  } finally {
    await server.stop();
  }
});

test('killed with -9 after an acknowledged write and before any read, a restarted server serves the change (no Redis: Next’s file cache)', async () => {
  const port = await freePort();
  const distDir = await site.copyOfBuild('local-kill');
  const env = { PAGE_CACHE: 'local', FRESHPRESS_DIST_DIR: distDir };
  const posts = await publishedNewestFirst();
  const post = posts[4]!;
  let server = await startServer(env, port);
  try {
    expect(server.output()).toContain('page cache local to this process');
    await get(server.base, `/posts/${post.slug}`);
    expect((await get(server.base, `/posts/${post.slug}`)).cache).toBe('HIT');
    const body = `after a crash, no Redis ${randomUUID()}`;
    await comment(server.base, post.id, body);
    await server.stop('SIGKILL');
    server = await startServer(env, port);
    expect((await get(server.base, `/posts/${post.slug}`)).html).toContain(body);
  } finally {
    await server.stop();
  }
});

for (const mode of ['shared', 'local'] as const) {
  test(`a crash between a write's commit and its invalidation heals when the server starts again (${mode} cache)`, async () => {
    const port = await freePort();
    const env: Record<string, string> =
      mode === 'local' ? { PAGE_CACHE: 'local', FRESHPRESS_DIST_DIR: await site.copyOfBuild('local-crash') } : {};
    const posts = await publishedNewestFirst();
    const post = posts[mode === 'local' ? 6 : 5]!;
    let server = await startServer({ ...env, FRESHPRESS_FAULT: 'crash-after-commit' }, port);
    try {
      await get(server.base, `/posts/${post.slug}`);
      expect((await get(server.base, `/posts/${post.slug}`)).cache).toBe('HIT');
      const body = `committed, then the server died ${randomUUID()}`;
      const answer = await postComment(server.base, post.id, body).then(
        () => 'answered',
        () => 'connection lost',
      );
      expect(answer).toBe('connection lost');
      await new Promise<void>((resolve) =>
        server.child.exitCode !== null || server.child.signalCode !== null
          ? resolve()
          : server.child.once('exit', () => resolve()),
      );
      const [row] = await site.sql<{ applied: boolean }[]>`
        select applied_at is not null as applied from invalidations order by id desc limit 1`;
      expect(row?.applied, 'the invalidation was recorded with the comment and never applied').toBe(false);
      expect(await site.sql`select 1 from comments where body = ${body}`).toHaveLength(1);

      server = await startServer(env, port);
      expect((await get(server.base, `/posts/${post.slug}`)).html).toContain(body);
      const [after] = await site.sql<
        { applied: boolean }[]
      >`select applied_at is not null as applied from invalidations order by id desc limit 1`;
      expect(after?.applied).toBe(true);
    } finally {
      await server.stop();
    }
  });
}

test('an entry rendered by another build is never served', async () => {
  const otherBuild = await site.copyOfBuild('other-build', `other-${randomUUID().slice(0, 8)}`);
  const [a, other] = await Promise.all([startServer(), startServer({ FRESHPRESS_DIST_DIR: otherBuild })]);
  try {
    const posts = await publishedNewestFirst();
    const target = `/posts/${posts[160]!.slug}`;
    const first = await get(a.base, target);
    expect(first.cache).toBe('MISS');
    const elsewhere = await get(other.base, target);
    expect(elsewhere.cache).toBe('MISS');
    expect(elsewhere.marker).not.toBe(first.marker);
    expect((await get(a.base, target)).marker).toBe(first.marker);
  } finally {
    await Promise.all([a.stop(), other.stop()]);
  }
});

test('with Redis hung or down, pages render from the database; when it is back, the cache catches up before serving from it', async ({
  page,
}) => {
  const redis = await startPrivateRedis();
  const password = 'an admin password for a hung Redis';
  // No periodic sweep within the test: catching up must follow from Redis coming back, not a timer.
  const server = await startServer({
    REDIS_URL: redis.url,
    PAGE_CACHE: 'shared',
    INVALIDATION_SWEEP_MS: '600000',
    ADMIN_PASSWORD: password,
  });
  try {
    const posts = await publishedNewestFirst();
    const post = posts[7]!;
    await get(server.base, `/posts/${post.slug}`);
    expect((await get(server.base, `/posts/${post.slug}`)).cache).toBe('HIT');
    await page.goto(`${server.base}/admin/login`);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();

    // Hung: every call runs into its deadline, and the page is rendered instead.
    redis.pause();
    const hung = await get(server.base, `/posts/${post.slug}`);
    // The queue's dry runs cannot list the cached pages: they say so, and the queue still opens.
    const queue = await page.goto(`${server.base}/admin/comments?status=published`);
    redis.resume();
    expect(hung.status).toBe(200);
    expect(hung.cache).toBe('MISS');
    expect(queue?.status()).toBe(200);
    await expect(page.getByText('the cached pages cannot be listed now').first()).toBeVisible();

    // Down, and back with its data (a persistent Redis restarting): the old copy of the page is still
    // there, and the invalidation made meanwhile never reached it.
    expect((await get(server.base, `/posts/${post.slug}`)).cache).toBe('HIT');
    await redis.snapshot();
    await redis.stop();
    const body = `written while Redis was down ${randomUUID()}`;
    await comment(server.base, post.id, body);
    const during = await get(server.base, `/posts/${post.slug}`);
    expect(during.status).toBe(200);
    expect(during.html).toContain(body);
    expect((await get(server.base, '/')).status).toBe(200);
    const down = await health(server.base);
    expect(down.cache.cannotInvalidate, 'health says the invalidation could not be recorded').toMatchObject({
      since: expect.any(String),
      error: expect.any(String),
    });
    expect(down.invalidationBacklog).toBeGreaterThanOrEqual(1);

    await redis.start();
    const staleAnswers: string[] = [];
    await expect
      .poll(
        async () => {
          const page = await get(server.base, `/posts/${post.slug}`);
          if (!page.html.includes(body)) staleAnswers.push(`${page.cache} ${page.marker}`);
          return page.cache;
        },
        { message: 'the page is served from the cache again', timeout: 30_000 },
      )
      .toBe('HIT');
    expect(staleAnswers).toEqual([]);
    const back = await health(server.base);
    expect(back.cache.cannotInvalidate).toBeNull();
    expect(back.invalidationBacklog).toBe(0);
  } finally {
    await server.stop();
    await redis.stop();
  }
});

test('two `npm start` on two ports, with one database, one Redis and one admin token, behave as one site', async () => {
  test.setTimeout(300_000);
  const distDir = site.ownDistDir('two-starts');
  const { NODE_ENV: _mode, ...inherited } = process.env;
  const [portA, portB] = [await freePort(), await freePort()];
  const env = (port: number) => ({
    ...inherited,
    PORT: String(port),
    DATABASE_URL: site.database.url,
    ADMIN_TOKEN: SITE_ADMIN_TOKEN,
    STATS_PREFIX: site.prefix,
    FRESHPRESS_DIST_DIR: distDir,
    WEB_CONCURRENCY: '1',
  });
  const a = startProcess('npm', ['start'], env(portA));
  const b = startProcess('npm', ['start'], env(portB));
  try {
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${portA}/api/health`, a.child, a.output, 240_000),
      waitForHttp(`http://127.0.0.1:${portB}/api/health`, b.child, b.output, 240_000),
    ]);
    // One built; the other waited for it and found the build current.
    const outputs = [a.output(), b.output()];
    expect(outputs.filter((output) => output.includes('Building the site'))).toHaveLength(1);
    expect(outputs.filter((output) => output.includes('The build is current; not rebuilding.'))).toHaveLength(1);

    const [baseA, baseB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const posts = await publishedNewestFirst();
    const target = `/posts/${posts[170]!.slug}`;
    const first = await get(baseA, target);
    const other = await get(baseB, target);
    expect(other.cache).toBe('HIT');
    expect(other.marker).toBe(first.marker);
    const text = `one site, two starts ${randomUUID()}`;
    await comment(baseB, posts[170]!.id, text);
    expect((await get(baseA, target)).html).toContain(text);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
