import { request as requests, type APIRequestContext, type Page } from '@playwright/test';
import { expect, test, type PostRef } from './support/fixtures';
import { comment, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * Link previews (README, "Link previews"): Open Graph and Twitter card tags, canonical addresses
 * and a post's JSON-LD on every kind of public page, read from the page's DOM in Chromium; each
 * post's card (/posts/<slug>/opengraph-image), cached like its page and rebuilt exactly when the
 * post changes. The posts are retitled through the admin API of a server of this file's own (its
 * own database copy and Redis prefix), so no other suite sees them change. The server runs with
 * SITE_URL set, unlike the build it serves: the build's pages name another address, so none of
 * them may be served (lib/page-cache/build-site.ts), and every address below must be SITE_URL's.
 */

const SITE = 'https://blog.example.test';
const site = new OwnSite();
let server: SiteServer;
let api: APIRequestContext;
let posts: PostRef[];

test.beforeAll(async () => {
  await site.open('previews');
  server = await site.start({ SITE_URL: SITE });
  api = await requests.newContext({ baseURL: server.base });
  posts = await site.publishedNewestFirst();
});

test.afterAll(async () => {
  await api?.dispose();
  await server?.stop();
  await site.close();
});

const admin = { authorization: `Bearer ${SITE_ADMIN_TOKEN}` };

async function changePost(id: number, data: Record<string, unknown>): Promise<string[]> {
  const response = await api.patch(`/api/admin/posts/${id}`, { headers: admin, data });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).invalidated;
}

/** What a page says about itself to whoever shares it, as Chromium's DOM has it. */
interface Preview {
  status: number;
  title: string;
  counts: Record<string, number>;
  meta: Record<string, string | null>;
  articleTags: string[];
  canonical: string | null;
  robots: string | null;
}

const ONE_EACH = [
  'og:title',
  'og:description',
  'og:url',
  'og:type',
  'og:site_name',
  'og:image',
  'twitter:card',
  'twitter:title',
  'twitter:description',
  'twitter:image',
];

async function previewOf(page: Page, path: string): Promise<Preview> {
  const response = await page.goto(`${server.base}${path}`);
  const seen = await page.evaluate((names) => {
    const meta = (name: string) => document.querySelectorAll(`meta[property="${name}"], meta[name="${name}"]`);
    const content = (name: string) => meta(name)[0]?.getAttribute('content') ?? null;
    const all = [
      ...names,
      'og:image:width',
      'og:image:height',
      'og:image:type',
      'article:published_time',
      'article:modified_time',
    ];
    return {
      title: document.title,
      counts: Object.fromEntries(
        [...names, 'canonical'].map((name) => [
          name,
          name === 'canonical' ? document.querySelectorAll('link[rel="canonical"]').length : meta(name).length,
        ]),
      ),
      meta: Object.fromEntries(all.map((name) => [name, content(name)])),
      articleTags: [...meta('article:tag')].map((element) => element.getAttribute('content') ?? ''),
      canonical: document.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? null,
      robots: content('robots'),
    };
  }, ONE_EACH);
  return { status: response?.status() ?? 0, ...seen };
}

/** Every tag once, absolute addresses under SITE_URL, og:url the canonical address, Twitter's the same as Open Graph's. */
function expectComplete(preview: Preview, path: string, label = path): void {
  for (const name of ONE_EACH) expect(preview.counts[name], `${label}: one ${name}`).toBe(1);
  expect(preview.counts.canonical, `${label}: one canonical link`).toBe(1);
  const { meta } = preview;
  expect(new URL(preview.canonical!).href, `${label}: canonical`).toBe(new URL(path, SITE).href);
  expect(preview.canonical, `${label}: no query in the canonical address`).not.toContain('?');
  expect(meta['og:url'], `${label}: og:url is the canonical address`).toBe(preview.canonical);
  expect(meta['og:site_name']).toBe('Freshpress');
  expect(meta['twitter:card']).toBe('summary_large_image');
  expect(meta['twitter:title']).toBe(meta['og:title']);
  expect(meta['twitter:description']).toBe(meta['og:description']);
  expect(meta['twitter:image']).toBe(meta['og:image']);
  expect(meta['og:image']!.startsWith(`${SITE}/`), `${label}: og:image is absolute, under SITE_URL`).toBe(true);
  expect([meta['og:image:width'], meta['og:image:height'], meta['og:image:type']]).toEqual([
    '1200',
    '630',
    'image/png',
  ]);
  expect(meta['og:description']!.length, `${label}: a description`).toBeGreaterThan(10);
}

interface Image {
  status: number;
  type: string | null;
  cache: string | null;
  encoding: string | null;
  cacheControl: string | null;
  bytes: Buffer;
}

/** A card, by the address a page names (its path and query, asked of this server). */
async function image(address: string): Promise<Image> {
  const url = new URL(address, SITE);
  const response = await fetch(`${server.base}${url.pathname}${url.search}`, {
    headers: { 'accept-encoding': 'br, gzip', connection: 'close' },
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cache: response.headers.get('x-nextjs-cache'),
    encoding: response.headers.get('content-encoding'),
    cacheControl: response.headers.get('cache-control'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG of 1200×630: its signature, then its IHDR chunk's width and height. */
function expectCard(card: Image, label: string): void {
  expect(card.status, label).toBe(200);
  expect(card.type, label).toBe('image/png');
  expect(card.encoding, `${label}: a PNG is sent as it is`).toBeNull();
  expect(card.cacheControl, `${label}: revalidated by browsers, never kept for a year`).toBe(
    'public, max-age=0, must-revalidate',
  );
  expect(card.bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${label}: PNG signature`).toBe(true);
  expect(card.bytes.toString('latin1', 12, 16), label).toBe('IHDR');
  expect([card.bytes.readUInt32BE(16), card.bytes.readUInt32BE(20)], `${label}: 1200×630`).toEqual([1200, 630]);
}

/** Asks for a card until the page cache holds it; returns the cached copy. */
async function warmCard(address: string, label: string): Promise<Image> {
  const first = await image(address);
  expectCard(first, label);
  const cached = await image(address);
  expectCard(cached, label);
  expect(cached.cache, `${label} is served from the page cache once drawn`).toBe('HIT');
  expect(cached.bytes.equals(first.bytes), `${label}: the cached copy is the one drawn`).toBe(true);
  return cached;
}

test('every public page carries its link preview and an absolute canonical address under SITE_URL', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const post = posts.find((p) => p.tags.length > 0)!;
  const tag = post.tags[0]!;
  const [busy] = await site.sql<{ name: string }[]>`
    select t.name from tags t join post_tags pt on pt.tag_id = t.id join posts p on p.id = pt.post_id
    where p.status = 'published' group by t.name having count(*) > 10 order by count(*) desc, t.name limit 1`;
  const busyTag = busy!.name;

  const home = await previewOf(page, '/');
  expectComplete(home, '/');
  expect(home.meta['og:type']).toBe('website');
  expect(home.meta['og:title']).toBe('Freshpress');
  expect(home.meta['og:image']).toBe(`${SITE}/opengraph-image`);

  for (const [path, title] of [
    ['/page/2', 'Older posts — page 2'],
    [`/tags/${tag}`, `Posts tagged #${tag}`],
    [`/tags/${busyTag}/page/2`, `Posts tagged #${busyTag}, page 2`],
  ] as const) {
    const list = await previewOf(page, path);
    expect(list.status, path).toBe(200);
    expectComplete(list, path);
    expect(list.meta['og:type'], path).toBe('website');
    expect(list.meta['og:title'], `${path}: its own title`).toBe(title);
    expect(list.meta['og:image'], `${path}: the site's card`).toBe(`${SITE}/opengraph-image`);
  }

  const article = await previewOf(page, `/posts/${post.slug}`);
  expectComplete(article, `/posts/${post.slug}`);
  expect(article.meta['og:type']).toBe('article');
  expect(article.meta['og:title']).toBe(post.title);
  expect(article.title).toBe(`${post.title} — Freshpress`);
  expect(article.meta['og:image']).toMatch(new RegExp(`^${SITE}/posts/${post.slug}/opengraph-image\\?v=[\\w-]+$`));
  expect(article.articleTags).toEqual(post.tags);
  const [dates] = await site.sql<{ published: Date; updated: Date }[]>`
    select published_at as published, updated_at as updated from posts where id = ${post.id}`;
  expect(article.meta['article:published_time']).toBe(dates!.published.toISOString());
  expect(article.meta['article:modified_time']).toBe(dates!.updated.toISOString());

  // Tracking parameters never reach an address the page states: it is cached by its path alone.
  for (const path of ['/page/2', `/posts/${post.slug}`, '/']) {
    const tracked = await previewOf(page, `${path}?utm_source=newsletter&utm_medium=email&fbclid=abc123`);
    expectComplete(tracked, path, `${path} with tracking parameters`);
  }

  // An address that names nothing: the site's name and card, but nothing to file it under.
  for (const path of ['/posts/no-such-post', '/page/999', '/tags/no-such-tag', '/no-such-page']) {
    const missing = await previewOf(page, path);
    expect(missing.status, path).toBe(404);
    expect(missing.canonical, `${path}: no canonical address`).toBeNull();
    expect(missing.meta['og:url'], `${path}: no og:url`).toBeNull();
    expect(missing.meta['og:title'], path).toBe('Page not found — Freshpress');
    expect(missing.meta['og:image'], path).toBe(`${SITE}/opengraph-image`);
    expect(missing.meta['twitter:card'], path).toBe('summary_large_image');
    expect(missing.robots, `${path}: kept out of search indexes`).toBe('noindex');
  }

  // The site's card, which every page but a post's names.
  expectCard(await image('/opengraph-image'), 'the site card');
  expect(server.output(), "the build's pages, made for another address, were not served").toContain(
    `this build prerendered its pages for another site (SITE_URL unset → ${SITE})`,
  );
});

test('a post’s card is a cached 1200×630 PNG; a comment leaves it cached, a retitle draws it anew; other cards stay cached', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const post = posts[3]!;
  const other = posts.find((p, i) => i > 30 && !p.tags.some((name) => post.tags.includes(name)));
  if (!other) throw new Error('no post in the seed shares no tag with the chosen one');
  const address = (await previewOf(page, `/posts/${post.slug}`)).meta['og:image']!;
  expect(new URL(address).pathname).toBe(`/posts/${post.slug}/opengraph-image`);
  const otherAddress = (await previewOf(page, `/posts/${other.slug}`)).meta['og:image']!;

  const before = await warmCard(address, 'the card');
  const otherBefore = await warmCard(otherAddress, 'the other card');
  expect(before.bytes.equals(otherBefore.bytes), 'each post has its own card').toBe(false);
  // Every address of the card is the one cached image: the query only names a version.
  const bare = await image(`/posts/${post.slug}/opengraph-image`);
  expect(bare.cache).toBe('HIT');
  expect(bare.bytes.equals(before.bytes)).toBe(true);

  // A comment changes the post's page, not what its card shows.
  await comment(server.base, post.id, `A comment the card does not show ${Date.now()}.`);
  const commented = await image(address);
  expect(commented.cache, 'a comment leaves the card cached').toBe('HIT');
  expect(commented.bytes.equals(before.bytes)).toBe(true);

  const title = `Retitled for its card ${Date.now().toString(36)} 🚀`;
  expect(await changePost(post.id, { title })).toEqual(expect.arrayContaining([`post:${post.id}`]));

  const retitled = await previewOf(page, `/posts/${post.slug}`);
  expect(retitled.meta['og:title']).toBe(title);
  const newAddress = retitled.meta['og:image']!;
  expect(new URL(newAddress).pathname).toBe(`/posts/${post.slug}/opengraph-image`);
  expect(newAddress, 'the card’s address names its new version').not.toBe(address);
  const after = await image(newAddress);
  expectCard(after, 'the retitled card');
  expect(after.bytes.equals(before.bytes), 'the retitled card is drawn anew').toBe(false);
  // Also at the address sites kept: there is one card per post, the current one.
  const oldAddress = await image(address);
  expect(oldAddress.cache).toBe('HIT');
  expect(oldAddress.bytes.equals(after.bytes)).toBe(true);

  const otherAfter = await image(otherAddress);
  expect(otherAfter.cache, 'another post’s card stays cached').toBe('HIT');
  expect(otherAfter.bytes.equals(otherBefore.bytes), 'another post’s card is unchanged').toBe(true);
  // Drawn with the font Next ships: nothing was fetched for the emoji, which is left out.
  expect(server.output()).not.toMatch(/Failed to load dynamic font|Failed to download dynamic font/);
});

test('a hostile title yields JSON-LD that parses to it, and no script of its own, in Chromium', async ({ page }) => {
  const post = posts[5]!;
  const title = '</script><script>alert(1)</script> <!-- "quoted" & \u2028 \u2029 done';
  await changePost(post.id, { title });

  const dialogs: string[] = [];
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to execute|hydrat|Minified React error/i.test(message.text()))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const since = server.output().length;
  await page.goto(`${server.base}/posts/${post.slug}`);
  await page.waitForLoadState('networkidle');

  const found = await page.evaluate(() => {
    const scripts = [...document.querySelectorAll('script')];
    const data = scripts.filter((script) => script.type === 'application/ld+json');
    return {
      data: data.map((script) => script.textContent ?? ''),
      // Every other script: a bundle of this site, or one of the inline shapes Next writes.
      strangers: scripts
        .filter((script) => script.type !== 'application/ld+json' && !script.src)
        .map((script) => script.textContent ?? '')
        .filter(
          (text) =>
            !/^\(?self\.__next_f/.test(text) &&
            !text.startsWith('(globalThis["TURBOPACK"] || (globalThis["TURBOPACK"] = []))'),
        ),
      heading: document.querySelector('h1')?.textContent,
      ogTitle: document.querySelector('meta[property="og:title"]')?.getAttribute('content'),
      canonical: document.querySelector('link[rel="canonical"]')?.getAttribute('href'),
      ogImage: document.querySelector('meta[property="og:image"]')?.getAttribute('content'),
    };
  });
  expect(found.data, 'one JSON-LD block').toHaveLength(1);
  const posting = JSON.parse(found.data[0]!);
  expect(posting).toMatchObject({
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: title,
    url: found.canonical,
    mainEntityOfPage: { '@type': 'WebPage', '@id': found.canonical },
    image: [found.ogImage],
    keywords: post.tags,
    author: { '@type': 'Organization', name: 'Freshpress' },
    publisher: { '@type': 'Organization', name: 'Freshpress' },
  });
  expect(Date.parse(posting.dateModified)).toBeGreaterThanOrEqual(Date.parse(posting.datePublished));
  expect(found.data[0], 'nothing in it the HTML parser reads as markup').not.toMatch(/[<>&\u2028\u2029]/);
  expect(found.strangers, 'no script but Next’s and the JSON-LD').toEqual([]);
  expect(found.heading).toBe(title);
  expect(found.ogTitle).toBe(title);
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  expect(server.output().slice(since), 'the JSON-LD block is data, not a refused script').not.toContain('[security]');
});

test('a card for a draft, an unknown or a malformed slug is a 404 and is not kept; unpublishing a post takes its card down', async () => {
  const draft = (await site.sql<{ slug: string }[]>`select slug from posts where status = 'draft' limit 1`)[0]!;
  for (const slug of [draft.slug, 'no-such-post', 'Not-A-Slug', 'a'.repeat(300)]) {
    for (let i = 0; i < 2; i++) {
      const card = await image(`/posts/${slug}/opengraph-image`);
      expect(card.status, slug).toBe(404);
      expect(card.type, slug).not.toBe('image/png');
      expect(card.cache, `${slug}: a 404 is never kept`).not.toBe('HIT');
    }
  }

  const post = posts[7]!;
  await warmCard(`/posts/${post.slug}/opengraph-image`, 'a card');
  expect(await changePost(post.id, { status: 'draft' })).toEqual(expect.arrayContaining([`post:${post.id}`]));
  expect((await image(`/posts/${post.slug}/opengraph-image`)).status, 'an unpublished post has no card').toBe(404);
});
