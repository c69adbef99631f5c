import type { APIResponse } from '@playwright/test';
import { expect, test } from './support/fixtures';

/*
 * What caches in front of the server may do with its answers. With no purge-capable tier
 * configured, a shared cache (CDN, Varnish) must not keep a page or feed: a comment would stay
 * invisible there for as long as Next's s-maxage (7 days). It may still revalidate with the ETag.
 * And the browser's own router cache shows a changed page within the bound next.config.ts sets.
 */

const REVALIDATE_EVERY_TIME = 'public, max-age=0, must-revalidate';
// experimental.staleTimes.static in next.config.ts.
const ROUTER_CACHE_SECONDS = 30;

function directives(cacheControl: string): Map<string, string> {
  return new Map(
    cacheControl
      .toLowerCase()
      .split(',')
      .map((part) => part.trim().split('=') as [string, string?])
      .filter(([name]) => name !== '')
      .map(([name, value]) => [name, value ?? '']),
  );
}

/** Whether a shared cache may answer from its copy without asking the server first. */
function sharedCacheMayKeep(cacheControl: string | undefined): boolean {
  // No header at all leaves the cache to its own heuristics.
  if (cacheControl === undefined) return true;
  const d = directives(cacheControl);
  if (d.has('private') || d.has('no-store') || d.has('no-cache')) return false;
  if (d.has('s-maxage')) return Number(d.get('s-maxage')) > 0;
  return Number(d.get('max-age') ?? 0) > 0;
}

test('no page or feed lets a shared cache keep it; cached pages keep their ETag and 304', async ({ request, blog }) => {
  const [post] = await blog.publishedNewestFirst();
  const responses: Record<string, APIResponse> = {};
  for (const [what, path] of Object.entries({
    home: '/',
    post: `/posts/${post!.slug}`,
    tag: `/tags/${post!.tags[0]}`,
    'page 2': '/page/2',
    'not found': '/posts/no-such-post-here',
    feed: '/feed.xml',
    sitemap: '/sitemap.xml',
    'sitemap file': '/sitemaps/posts-1.xml',
  })) {
    // The second answer is the one from the page cache.
    await request.get(path);
    responses[what] = await request.get(path);
  }
  for (const [what, response] of Object.entries(responses)) {
    const headers = response.headers();
    expect(sharedCacheMayKeep(headers['cache-control']), `${what}: ${headers['cache-control']}`).toBe(false);
    expect(headers['cache-control'], what).not.toContain('s-maxage');
    // With EDGE unset no tier is told anything: no keys, no lifetime of its own.
    for (const name of [
      'xkey',
      'surrogate-key',
      'cache-tag',
      'surrogate-control',
      'cloudflare-cdn-cache-control',
      'x-freshpress-edge-keys',
    ]) {
      expect(headers[name], `${what}: ${name}`).toBeUndefined();
    }
  }
  for (const what of ['home', 'post', 'tag', 'page 2', 'feed', 'sitemap', 'sitemap file'])
    expect(responses[what]!.headers()['cache-control'], what).toBe(REVALIDATE_EVERY_TIME);
  // Next gives route handlers' answers (feed, sitemap) no ETag: a cache in front refetches them whole.
  for (const what of ['home', 'post', 'tag', 'page 2']) {
    const headers = responses[what]!.headers();
    expect(headers.etag, `${what}: a cache can still revalidate`).toBeTruthy();
    const path = new URL(responses[what]!.url()).pathname;
    const revalidated = await request.get(path, { headers: { 'if-none-match': headers.etag! } });
    expect(revalidated.status(), what).toBe(304);
    expect(revalidated.headers()['cache-control'], `${what}: 304`).toBe(REVALIDATE_EVERY_TIME);
  }
  expect(responses.home!.headers()['x-nextjs-cache']).toBe('HIT');
});

test('static assets stay immutable; dynamic answers stay unstored', async ({ request }) => {
  const script = (await (await request.get('/')).text()).match(/<script src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(script).toBeTruthy();
  expect((await request.get(script!)).headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  for (const path of ['/stats', '/api/health']) {
    const cacheControl = (await request.get(path)).headers()['cache-control'] ?? '';
    expect(cacheControl, path).toContain('no-store');
  }
  expect((await request.get('/stats')).headers()['cache-control']).toContain('private');
});

test(`a reader navigating client-side sees a new comment within ${ROUTER_CACHE_SECONDS} s of the router cache`, async ({
  page,
  request,
  adminToken,
  blog,
}) => {
  const [post] = await blog.publishedNewestFirst();
  const postPath = `/posts/${post!.slug}`;
  // Up to 60 navigations if the bound were Next's default 5 minutes.
  test.setTimeout(180_000);
  // The router dates its cache entries with Date.now(): a fake clock moves them on without waiting.
  await page.clock.install();
  const prefetched = page.waitForResponse(
    (response) => response.url().includes(postPath) && response.request().resourceType() !== 'document',
  );
  await page.goto('/');
  const link = page.locator('main article').first().getByRole('link', { name: post!.title });
  await expect(link).toBeVisible();
  await prefetched;
  await page.waitForLoadState('networkidle');

  const body = `Router cache check ${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const posted = await request.post('/api/admin/comments', {
    headers: { authorization: `Bearer ${adminToken}` },
    data: { postId: post!.id, authorName: 'Someone else', authorEmail: 'someone.else@example.com', body },
  });
  expect(posted.status(), await posted.text()).toBe(201);
  // The server has it at once: only the browser's cache stands between the reader and the comment.
  expect(await (await request.get(postPath)).text()).toContain(body);
  const postedAt = await page.evaluate(() => Date.now());

  const STEP_SECONDS = 5;
  const seen: { afterSeconds: number; shown: boolean }[] = [];
  for (let elapsed = 0; elapsed <= 300; elapsed += STEP_SECONDS) {
    if (elapsed > 0) {
      await page.goBack();
      await expect(link).toBeVisible();
      await page.clock.fastForward(STEP_SECONDS * 1000);
    }
    await link.click();
    await expect(page).toHaveURL(new RegExp(`${postPath}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(post!.title);
    await expect(page.getByRole('heading', { name: /\d+ comments?$/ })).toBeVisible();
    const shown = (await page.getByText(body).count()) > 0;
    const afterSeconds = ((await page.evaluate(() => Date.now())) - postedAt) / 1000;
    seen.push({ afterSeconds, shown });
    if (shown) break;
  }
  test.info().annotations.push({ type: 'router cache', description: JSON.stringify(seen) });
  console.log(`[router cache] ${JSON.stringify(seen)}`);
  // Right after the comment the reader is shown the copy prefetched before it: the cache is real.
  expect(seen[0]?.shown).toBe(false);
  const firstShown = seen.find((entry) => entry.shown);
  expect(firstShown, JSON.stringify(seen)).toBeDefined();
  expect(firstShown!.afterSeconds).toBeLessThanOrEqual(ROUTER_CACHE_SECONDS + STEP_SECONDS);
});
