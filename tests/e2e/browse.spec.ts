import { expect, test } from './support/fixtures';

test('a reader goes from the homepage to a post, to one of its tags, and on to older posts', async ({ page, blog }) => {
  const newest = await blog.publishedNewestFirst();
  const first = newest[0]!;

  await page.goto('/');
  const summaries = page.locator('main article');
  await expect(summaries).toHaveCount(10);
  await expect(summaries.first().getByRole('heading', { level: 2 })).toHaveText(first.title);
  await expect(page.locator('meta[name="x-generated-at"]')).toHaveAttribute('content', /^\d{4}-\d\d-\d\dT/);

  await summaries.first().getByRole('link', { name: first.title }).click();
  await expect(page).toHaveURL(new RegExp(`/posts/${first.slug}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(first.title);
  await expect(page.getByRole('heading', { name: /\d+ comments?$/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Leave a comment' })).toBeVisible();

  const tag = first.tags[0]!;
  await page
    .getByRole('list', { name: 'Tags' })
    .getByRole('link', { name: `#${tag}` })
    .click();
  await expect(page).toHaveURL(new RegExp(`/tags/${tag}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Posts tagged #${tag}`);
  await expect(page.getByRole('link', { name: first.title })).toBeVisible();

  await page.goto('/');
  await page.getByRole('link', { name: 'Older posts →' }).click();
  await expect(page).toHaveURL(/\/page\/2$/);
  const pageTwo = page.locator('main article h2');
  await expect(pageTwo).toHaveCount(10);
  await expect(pageTwo).toHaveText(newest.slice(10, 20).map((post) => post.title));
  await expect(page.getByText(`Page 2 of ${Math.ceil(newest.length / 10)}`)).toBeVisible();
});

test('a post renders its Markdown, and its published comments oldest first', async ({ page, blog }) => {
  const newest = await blog.publishedNewestFirst();
  let chosen = newest[0]!;
  for (const post of newest) {
    if ((await blog.publishedCommentCount(post.id)) >= 3) {
      chosen = post;
      break;
    }
  }
  const count = await blog.publishedCommentCount(chosen.id);
  await page.goto(`/posts/${chosen.slug}`);
  await expect(page.locator('.prose p').first()).toBeVisible();
  await expect(
    page.getByRole('heading', { name: count === 1 ? '1 comment' : `${count} comments`, exact: true }),
  ).toBeVisible();
  const times = await page
    .getByTestId('comment')
    .locator('time')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime') ?? ''));
  expect(times).toHaveLength(count);
  expect([...times].sort()).toEqual(times);
});

for (const path of ['/posts/no-such-post', '/tags/no-such-tag', '/page/999', '/page/abc', '/tags/caching/page/999']) {
  test(`an unknown address (${path}) answers 404 with a friendly page`, async ({ page }) => {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Nothing here' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Back to the latest posts' })).toBeVisible();
  });
}

test('page 1 of a list redirects to the list itself', async ({ request }) => {
  for (const [from, to] of [
    ['/page/1', '/'],
    ['/tags/caching/page/1', '/tags/caching'],
  ]) {
    const response = await request.get(from!, { maxRedirects: 0 });
    expect(response.status()).toBe(308);
    expect(response.headers().location).toBe(to);
  }
});

test('the feed is RSS 2.0 with the 20 latest posts', async ({ page, request, blog }) => {
  const response = await request.get('/feed.xml');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/rss+xml');
  const xml = await response.text();
  await page.goto('/');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      version: doc.documentElement.getAttribute('version'),
      root: doc.documentElement.nodeName,
      channelTitle: doc.querySelector('channel > title')?.textContent,
      titles: [...doc.querySelectorAll('item > title')].map((n) => n.textContent),
      links: [...doc.querySelectorAll('item > link')].map((n) => n.textContent ?? ''),
      dates: [...doc.querySelectorAll('item > pubDate')].map((n) => n.textContent ?? ''),
    };
  }, xml);
  expect(parsed.error).toBeNull();
  expect(parsed.root).toBe('rss');
  expect(parsed.version).toBe('2.0');
  expect(parsed.channelTitle).toBeTruthy();
  const newest = await blog.publishedNewestFirst();
  expect(parsed.titles).toEqual(newest.slice(0, 20).map((post) => post.title));
  expect(parsed.links.every((link) => /^https?:\/\/[^/]+\/posts\/[a-z0-9-]+$/.test(link))).toBe(true);
  expect(parsed.dates.every((date) => !Number.isNaN(Date.parse(date)))).toBe(true);
});

test('the sitemap index leads to files that list every published post', async ({ request, blog }) => {
  const index = await (await request.get('/sitemap.xml')).text();
  expect(index).toContain('<sitemapindex');
  const files = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => new URL(match[1]!).pathname);
  expect(files).toContain('/sitemaps/pages-1.xml');
  let xml = '';
  for (const file of files) {
    const response = await request.get(file);
    expect(response.status(), file).toBe(200);
    xml += await response.text();
  }
  const newest = await blog.publishedNewestFirst();
  for (const post of newest) expect(xml).toContain(`/posts/${post.slug}</loc>`);
});
