import { expect, test } from './support/fixtures';
import { OwnSite, SITE_ADMIN_TOKEN } from './support/site';

/*
 * Security headers on every kind of response, cached pages included, and a Content-Security-
 * Policy that lets exactly the page's own scripts run: measured in Chromium, which reports every
 * script it refuses.
 */

const EVERY_RESPONSE = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

test('every kind of response carries the security headers; HTML carries a policy of hashes, cached or not', async ({
  request,
  blog,
}) => {
  const [post] = await blog.publishedNewestFirst();
  const home = await request.get('/');
  const script = (await home.text()).match(/<script src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(script).toBeTruthy();
  const cachedHome = await request.get('/');
  expect(cachedHome.headers()['x-nextjs-cache']).toBe('HIT');
  const responses = {
    'cached homepage': cachedHome,
    'post page': await request.get(`/posts/${post!.slug}`),
    'not found': await request.get('/posts/no-such-post-here'),
    statistics: await request.get('/stats'),
    feed: await request.get('/feed.xml'),
    health: await request.get('/api/health'),
    'static script': await request.get(script!),
    'bad escape': await request.get('/tags/%E0%A4%A'),
  };
  for (const [what, response] of Object.entries(responses)) {
    for (const [name, value] of Object.entries(EVERY_RESPONSE))
      expect(response.headers()[name], `${what}: ${name}`).toBe(value);
  }
  for (const what of ['cached homepage', 'post page', 'not found', 'statistics'] as const) {
    const response = responses[what];
    const policy = response.headers()['content-security-policy'] ?? '';
    const scriptSrc = policy.split(';').find((directive) => directive.trim().startsWith('script-src')) ?? '';
    const inlineScripts = (await response.text()).match(/<script(?![^>]*\ssrc=)[^>]*>/g) ?? [];
    expect(inlineScripts.length, `${what}: the page has inline scripts to allow`).toBeGreaterThan(0);
    expect(
      scriptSrc.match(/'sha256-[A-Za-z0-9+/=]+'/g)?.length ?? 0,
      `${what}: one hash per distinct inline script`,
    ).toBeGreaterThan(0);
    expect(scriptSrc, what).not.toContain('unsafe-inline');
    expect(scriptSrc, what).not.toContain('unsafe-eval');
    for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"])
      expect(policy, what).toContain(directive);
  }
});

test('compressed pages keep their policy, computed from the page itself', async ({ request }) => {
  const plain = await request.get('/tags/caching');
  const gzipped = await request.fetch('/tags/caching', { headers: { 'accept-encoding': 'gzip' }, maxRedirects: 0 });
  expect(gzipped.headers()['content-encoding']).toBe('gzip');
  expect(gzipped.headers()['content-security-policy']).toBe(plain.headers()['content-security-policy']);
  // The client decompressed it: the same page, byte for byte.
  expect(await gzipped.text()).toBe(await plain.text());
});

test('browsing runs every script of the site and nothing injected: no policy violation but the attacker’s', async ({
  page,
  blog,
}) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text()))
      violations.push(`${page.url()}: ${message.text().slice(0, 160)}`);
  });
  const [post] = await blog.publishedNewestFirst();
  for (const address of ['/', `/posts/${post!.slug}`, '/tags/caching', '/page/2', '/stats', '/no-such-page']) {
    await page.goto(address);
    await page.waitForLoadState('networkidle');
  }
  // Hydrated: a link followed by the client router keeps this page's JavaScript state.
  await page.goto('/');
  await page.evaluate(() => ((window as unknown as { survivor: number }).survivor = 1));
  await page.locator('article.post-summary a').first().click();
  await expect(page).toHaveURL(/\/posts\//);
  expect(await page.evaluate(() => (window as unknown as { survivor?: number }).survivor)).toBe(1);
  expect(violations).toEqual([]);

  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = "script"';
    document.body.append(script);
    const image = document.createElement('img');
    image.setAttribute('onerror', 'window.injected = "handler"');
    image.src = '/no-such-image.png';
    document.body.append(image);
  });
  await expect.poll(() => violations.length).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate(() => (window as unknown as { injected?: string }).injected)).toBeUndefined();
});

test('a script injected into a page by a bug (a post rendered without its sanitiser) is not approved by the policy and does not run; Next’s own do', async ({
  page,
}) => {
  const site = new OwnSite();
  await site.open('injected-script');
  const server = await site.start({ FRESHPRESS_FAULT: 'unsanitised-posts' });
  try {
    const slug = `injected-${Date.now().toString(36)}`;
    const created = await fetch(`${server.base}/api/admin/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug,
        title: 'A post with a script in it',
        body: 'Before the script.\n\n<script>window.injected = "stored"</script>\n\nAfter the script.',
        status: 'published',
        tags: ['caching'],
      }),
    });
    expect(created.status).toBe(201);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(`${server.base}/posts/${slug}`);
    // The bug is real: the script reached the page as written.
    expect(await response!.text()).toContain('<script>window.injected = "stored"</script>');
    await expect.poll(() => violations.length).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { injected?: string }).injected)).toBeUndefined();
    // Next's scripts ran: the page is hydrated, and its links are followed by the client router.
    await page.evaluate(() => ((window as unknown as { survivor: number }).survivor = 1));
    await page.getByRole('link', { name: 'Freshpress' }).first().click();
    await expect(page).toHaveURL(`${server.base}/`);
    expect(await page.evaluate(() => (window as unknown as { survivor?: number }).survivor)).toBe(1);
    expect(server.output()).toMatch(
      /\[security\] 1 inline script of a page \(ETag [^)]+\) is not Next's and will not run/,
    );
  } finally {
    await server.stop();
    await site.close();
  }
});
