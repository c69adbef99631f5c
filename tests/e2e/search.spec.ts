import postgres from 'postgres';
import { createClient } from 'redis';
import { slotPrefix } from '@/lib/core/redis-keys';
import { testRedisUrl } from '../support/redis';
import { expect, snapshot, test, warm } from './support/fixtures';

/*
 * Search (/search?q=…) on the global server: found by a word of a body, a tag, a title; pages that
 * never overlap; the header's form without JavaScript; a corpus of hostile queries answered below
 * 500 with nothing unescaped; and never a page of the cache — the pages around it stay cached.
 */

let sql: postgres.Sql;
test.beforeAll(() => {
  sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
});
test.afterAll(async () => {
  await sql.end({ timeout: 5 });
});

/** A word of one public post's body that no other public post contains, and that is not in its title. */
async function unusualWord(): Promise<{ word: string; slug: string; title: string }> {
  const [row] = await sql<{ word: string; slug: string; title: string }[]>`
    select w.word, p.slug, p.title from posts p,
      lateral (select distinct word from regexp_split_to_table(p.body, '[^A-Za-z]+') as word where length(word) >= 7) w
    where p.status = 'published' and p.published_at <= now()
      and p.title not ilike '%' || w.word || '%'
      and (select count(*) from posts o where o.status = 'published' and o.search @@ plainto_tsquery('english', w.word)) = 1
    order by p.published_at desc, w.word limit 1`;
  expect(row, 'the seed has a word only one post uses').toBeTruthy();
  return row!;
}

const results = (page: import('@playwright/test').Page) => page.locator('main ol.search-results > li');

test('a word of one post’s body, typed in the header’s box, finds that post, the word marked in its excerpt', async ({
  page,
}) => {
  const { word, slug, title } = await unusualWord();
  await page.goto('/');
  const box = page.getByRole('search').getByRole('searchbox', { name: 'Search this blog' });
  await expect(box).toHaveAttribute('maxlength', '200');
  await box.fill(word);
  await box.press('Enter');
  await expect(page).toHaveURL(`/search?q=${word}`);
  await expect(page.getByTestId('search-count')).toHaveText(`1 post matches “${word}”`);
  await expect(results(page)).toHaveCount(1);
  const hit = results(page).first();
  await expect(hit.getByRole('heading', { level: 2 })).toHaveText(title);
  await expect(hit.locator('.excerpt mark').first()).toHaveText(new RegExp(`^${word}$`, 'i'));
  // The excerpt is prose: no Markdown or HTML syntax.
  expect(await hit.locator('.excerpt').textContent()).not.toMatch(/\*\*|\]\(|`|<[a-z/]|(^|\s)#{1,6}\s/i);
  // The page's own form holds the query.
  await expect(page.locator('#search-q')).toHaveValue(word);
  await expect(page.locator('#search-q')).toHaveAttribute('maxlength', '200');
  await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', 'noindex');
  await hit.getByRole('link', { name: title }).click();
  await expect(page).toHaveURL(`/posts/${slug}`);
});

test('a tag’s name finds the posts carrying it, the tag marked; a word of a title finds that post, marked', async ({
  page,
  blog,
}) => {
  const newest = await blog.publishedNewestFirst();
  const tag = newest[0]!.tags[0]!;
  await page.goto(`/search?q=${tag}`);
  const tagged = newest.filter((post) => post.tags.includes(tag));
  const count = Number((await page.getByTestId('search-count').textContent())!.match(/^(\d+)/)![1]);
  expect(count).toBeGreaterThanOrEqual(tagged.length);
  const first = results(page).first();
  await expect(first.getByRole('list', { name: 'Tags' }).locator('mark')).toHaveText(`#${tag}`);

  const post = newest[3]!;
  const titleWord = post.title
    .split(/\s+/)
    .sort((a, b) => b.length - a.length)[0]!
    .replace(/\W+$/, '');
  await page.goto(`/search?q=${encodeURIComponent(`"${post.title}"`)}`);
  const hit = results(page).filter({ has: page.getByRole('link', { name: post.title }) });
  await expect(hit).toHaveCount(1);
  await expect(hit.locator('h2 mark').filter({ hasText: new RegExp(`^${titleWord}$`, 'i') })).toHaveCount(1);
});

test('a common word pages through its results ten at a time, each page with other posts', async ({ page }) => {
  await page.goto('/search?q=production');
  const count = (await page.getByTestId('search-count').textContent())!;
  const total = Number(count.match(/^(\d+)/)![1]);
  expect(total).toBeGreaterThan(20);
  const pages = Math.ceil(total / 10);
  await expect(page.getByText(`Page 1 of ${pages}`)).toBeVisible();
  await expect(results(page)).toHaveCount(10);
  const slugsOn = async () =>
    results(page)
      .locator('h2 a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  const first = await slugsOn();
  await page.getByRole('link', { name: 'More results →' }).click();
  await expect(page).toHaveURL('/search?q=production&page=2');
  await expect(page.getByText(`Page 2 of ${pages}`)).toBeVisible();
  await expect(page.getByTestId('search-count')).toHaveText(count);
  const second = await slugsOn();
  expect(second).toHaveLength(10);
  expect(second.filter((slug) => first.includes(slug))).toEqual([]);
  await page.getByRole('link', { name: '← Better matches' }).click();
  await expect(page).toHaveURL('/search?q=production');
  expect(await slugsOn()).toEqual(first);

  // The last page, and past it: a sentence and a way back, not an error.
  await page.goto(`/search?q=production&page=${pages}`);
  await expect(results(page)).toHaveCount(total - (pages - 1) * 10);
  await expect(page.getByRole('link', { name: 'More results →' })).toHaveCount(0);
  const past = await page.goto(`/search?q=production&page=${pages + 1}`);
  expect(past?.status()).toBe(200);
  await expect(page.getByText(`There is no page ${pages + 1} of results`)).toBeVisible();
  await page.getByRole('link', { name: 'See the first page' }).click();
  await expect(results(page)).toHaveCount(10);
});

test('without JavaScript: the header’s form on a cached page searches, and the results page pages on', async ({
  browser,
  blog,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: process.env.E2E_BASE_URL });
  try {
    const page = await context.newPage();
    const [post] = await blog.publishedNewestFirst();
    await page.goto(`/posts/${post!.slug}`);
    await page.getByRole('searchbox', { name: 'Search this blog' }).fill('cache invalidation');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL('/search?q=cache+invalidation');
    await expect(page.getByTestId('search-count')).toHaveText(/^\d+ posts match “cache invalidation”$/);
    await expect(results(page).first().locator('mark').first()).toBeVisible();
    await expect(page.locator('#search-q')).toHaveValue('cache invalidation');
    await page.getByRole('link', { name: 'More results →' }).click();
    await expect(page).toHaveURL('/search?q=cache+invalidation&page=2');
    await expect(results(page).first()).toBeVisible();
    // A new search from the page's own form.
    await page.locator('#search-q').fill('zzzyzzx');
    await page.locator('#search-q').press('Enter');
    await expect(page).toHaveURL('/search?q=zzzyzzx');
    await expect(page.getByText('No posts match “zzzyzzx”.')).toBeVisible();
    // An empty query shows the form alone.
    await page.goto('/search');
    await expect(page.locator('#search-q')).toHaveValue('');
    await expect(page.locator('main .search-message, main ol')).toHaveCount(0);
  } finally {
    await context.close();
  }
});

const SCRIPT = '<script>alert(1)</script>';
const IMAGE = '"><img src=x onerror=alert(1)>';

/** Every address is a query string of /search, percent-encoded here unless it is raw. */
const HOSTILE: { query: string; raw?: boolean; status?: number }[] = [
  { query: '"unbalanced quote' },
  { query: "it's 'single" },
  { query: '((((nested' },
  { query: 'close))))' },
  { query: '&|!:*<>' },
  { query: 'a & b | !c <-> d:*' },
  { query: "'; drop table posts; --" },
  { query: SCRIPT },
  { query: IMAGE },
  { query: '</title><script>alert(1)</script>' },
  { query: 'back\\slash \\" \\u0000' },
  { query: 'nul\u0000inside' },
  { query: 'controls \u0001\u0002\u0003\u0007\u001b[31m\u007f\u0085' },
  { query: 'bidi \u202eevil\u202c and \u2066isolate' },
  { query: 'x'.repeat(10_240) },
  { query: 'word '.repeat(2048) },
  { query: '🙂🔥🚀 emoji 👩‍👩‍👧' },
  { query: 'שלום עולם מטמון' },
  { query: 'مرحبا ذاكرة التخزين' },
  { query: 'the and or not' },
  { query: '-' },
  { query: '""' },
  { query: ' ' },
  { query: 'q=%', raw: true },
  { query: 'q=%00', raw: true },
  { query: 'q=a%00b', raw: true },
  { query: 'q=%zz', raw: true },
  { query: 'q=%E0%A4%A', raw: true },
  { query: 'q=%25', raw: true },
  { query: 'q=100%', raw: true },
  { query: 'q=%C0%AF', raw: true },
  { query: 'q=%ED%A0%80', raw: true },
  { query: 'q=cache&q=edge', raw: true },
  { query: 'q[]=cache', raw: true },
  { query: 'q', raw: true },
  { query: 'q=cache&page=99999999999999999999', raw: true, status: 404 },
  { query: 'q=cache&page=999999', raw: true },
  { query: 'q=cache&page=-1', raw: true, status: 404 },
  { query: 'q=cache&page=0', raw: true, status: 404 },
  { query: 'q=cache&page=abc', raw: true, status: 404 },
  { query: 'q=cache&page=1e3', raw: true, status: 404 },
  { query: 'q=cache&page=', raw: true, status: 404 },
  { query: 'q=cache&page=2&page=3', raw: true, status: 404 },
  { query: 'q=cache&page=%00', raw: true, status: 404 },
  { query: 'page=5', raw: true },
  { query: `q=${'%41'.repeat(3000)}`, raw: true },
];

test('a corpus of hostile queries is answered below 500, with every piece of it shown as text', async ({
  request,
  page,
}) => {
  const [postsBefore] = await sql<{ n: number }[]>`select count(*)::int as n from posts`;
  for (const { query, raw, status } of HOSTILE) {
    const address = raw ? `/search?${query}` : `/search?q=${encodeURIComponent(query)}`;
    const response = await request.get(address, { maxRedirects: 0 });
    const label = `${address.slice(0, 80)} (${address.length} characters)`;
    expect(response.status(), label).toBeLessThan(500);
    if (status) expect(response.status(), label).toBe(status);
    else expect(response.status(), label).toBe(200);
    const html = (await response.text()).replaceAll('<!-- -->', '');
    expect(html, label).not.toContain('<script>alert');
    expect(html, label).not.toContain('<img src=x');
    expect(html, label).not.toContain('</title><script>');
    expect(html, label).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    // A highlight holds a word, never markup.
    for (const [, marked] of html.matchAll(/<mark>([^]*?)<\/mark>/g)) expect(marked, label).not.toMatch(/[<>]/);
  }
  const [postsAfter] = await sql<{ n: number }[]>`select count(*)::int as n from posts`;
  expect(postsAfter!.n).toBe(postsBefore!.n);

  // What the messages say.
  const text = async (address: string) => (await (await request.get(address)).text()).replaceAll('<!-- -->', '');
  const tooLong = await text(`/search?q=${'x'.repeat(10_240)}`);
  expect(tooLong).toContain('That search is 10,240 characters long; a search can have at most 200.');
  const commonWords = await text('/search?q=the+and+or');
  expect(commonWords).toContain('There is nothing to search for in “the and or”');
  const escaped = await text(`/search?q=${encodeURIComponent(SCRIPT)}`);
  expect(escaped).toContain('No posts match “&lt;script&gt;alert(1)&lt;/script&gt;”.');

  // In Chromium, no payload runs: the query is shown in the field and the message as typed.
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  for (const query of [SCRIPT, IMAGE, '</title><script>alert(1)</script>']) {
    await page.goto(`/search?q=${encodeURIComponent(query)}`);
    await expect(page.locator('#search-q')).toHaveValue(query);
    await expect(page.getByText(`No posts match “${query}”.`)).toBeVisible();
  }
  expect(dialogs).toEqual([]);
});

test('results are never cached: rendered per request, private, kept by no cache; the pages around stay cached', async ({
  request,
}) => {
  const homepage = await warm(request, '/');
  const tagPage = await warm(request, '/tags/caching');
  const markers = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const response = await request.get('/search?q=cache');
    expect(response.status()).toBe(200);
    const headers = response.headers();
    expect(headers['cache-control']).toMatch(/\bno-store\b/);
    expect(headers['cache-control']).toMatch(/\bprivate\b/);
    expect(headers['cache-control']).not.toMatch(/s-maxage|public/);
    expect(headers['x-nextjs-cache']).toBeUndefined();
    expect(headers['etag']).toBeUndefined();
    for (const edge of ['xkey', 'surrogate-key', 'cache-tag', 'surrogate-control'])
      expect(headers[edge]).toBeUndefined();
    markers.add((await response.text()).match(/<meta name="x-generated-at" content="([^"]+)"/)![1]!);
  }
  // Three requests, three renders: neither the fast path nor Next kept an answer.
  expect(markers.size).toBe(3);
  for (const query of ['caching', 'edge', 'postgres', 'nothing-matches-this', 'cache&page=2']) {
    expect((await request.get(`/search?q=${query}`)).status()).toBe(200);
  }

  // The pages searched from are still the cached copies they were.
  for (const before of [homepage, tagPage]) {
    const path = before === homepage ? '/' : '/tags/caching';
    const now = await snapshot(request, path);
    expect(now.cache, path).toBe('HIT');
    expect(now.generatedAt, path).toBe(before.generatedAt);
  }

  // Robots are asked to leave results alone (and told noindex by each page).
  expect(await (await request.get('/robots.txt')).text()).toMatch(/^Disallow: \/search$/m);

  // No entry of the shared page cache, and no page of the warming index, is a search.
  const redis = createClient({ url: testRedisUrl });
  await redis.connect();
  try {
    const prefix = slotPrefix(`${process.env.E2E_STATS_PREFIX}:cache`);
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}:b:*`, COUNT: 1000 })) keys.push(...batch);
    // An entry is "<time>\n{tags, key}\n<value>"; the warming index lists pages by path.
    let entries = 0;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') {
        const meta = ((await redis.getRange(key, 0, 8191)) ?? '').split('\n')[1] ?? '{}';
        const page = (JSON.parse(meta) as { key?: string }).key ?? '';
        if (page) entries += 1;
        expect(page, key).not.toMatch(/\/search/);
      } else {
        const members =
          type === 'zset'
            ? await redis.zRange(key, 0, -1)
            : type === 'hash'
              ? Object.keys(await redis.hGetAll(key))
              : type === 'set'
                ? await redis.sMembers(key)
                : [];
        for (const member of members) expect(member, key).not.toMatch(/^\/search/);
      }
    }
    expect(entries, 'the cache holds pages').toBeGreaterThan(0);
  } finally {
    await redis.quit();
  }
});
