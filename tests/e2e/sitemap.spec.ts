import { createClient } from 'redis';
import { postFileOf, SITEMAP_MAX_URLS } from '@/lib/content/sitemap';
import { tags } from '@/lib/core/cache-tags';
import { testRedisUrl } from '../support/redis';
import { parseSitemapXml, type ParsedSitemap } from '../support/sitemap-xml';
import { expect, test } from './support/fixtures';
import { OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * The sitemap of a big blog: more than 50,000 published posts, grown with plain SQL in a database
 * of this file's own, so the files are cut where a real blog's would be (the protocol allows
 * 50,000 addresses and 50 MB a file) and nothing is scaled down for the test.
 */

const GROWN = 60_000;
const MAX_BYTES = 50 * 1024 * 1024;

const site = new OwnSite();
let server: SiteServer;

/**
 * Published posts dated before the seed's, so the lists' first pages stay the seed's; announced, so
 * the publication timer has nothing to do. As an import would, the same transaction records what it
 * changed in the invalidation outbox: the servers apply it when they start, before serving, so the
 * pages and data the build prerendered from the seed alone are not served as current.
 */
async function grow(count: number): Promise<void> {
  await site.sql.begin(async (sql) => {
    const [range] = await sql<{ first: number; last: number }[]>`
      with grown as (
        insert into posts (slug, title, body, status, published_at, updated_at, announced_at)
        select 'grown-' || g, 'Grown post ' || g, 'A post of a big blog.', 'published', at, at, at
        from generate_series(1, ${count}::int) g,
          lateral (select timestamptz '2020-01-01' - g * interval '1 minute' as at) d
        returning id)
      select min(id)::int as first, max(id)::int as last from grown`;
    const blocks = [];
    for (let n = postFileOf(range!.first); n <= postFileOf(range!.last); n++) blocks.push(tags.postBlock(n));
    await sql`
      insert into invalidations (tags, event)
      values (${sql.array([tags.postList, ...blocks])}, ${sql.json({ kind: 'post-published', description: `${count} posts imported` })})`;
  });
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  await site.open('sitemap');
  await grow(GROWN);
  // Neither warmed nor rendered ahead: a file a change invalidated is then a MISS at its next read,
  // so a HIT with the same bytes says it was not invalidated (a warmed file would be a HIT too).
  server = await site.start({ WARM_WINDOW: '0', RENDER_AHEAD_MS: '0' });
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

interface Fetched {
  status: number;
  body: string;
  bytes: number;
  type: string | null;
  cache: string | null;
}

async function fetchPath(path: string): Promise<Fetched> {
  const response = await fetch(`${server.base}${path}`, {
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(60_000),
  });
  const buffer = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    body: buffer.toString('utf8'),
    bytes: buffer.length,
    type: response.headers.get('content-type'),
    cache: response.headers.get('x-nextjs-cache'),
  };
}

/** A sitemap document that must answer 200 as XML and parse. */
async function sitemapAt(path: string): Promise<Fetched & { parsed: ParsedSitemap }> {
  const fetched = await fetchPath(path);
  expect(fetched.status, path).toBe(200);
  expect(fetched.type, path).toContain('xml');
  return { ...fetched, parsed: parseSitemapXml(fetched.body) };
}

/** The index's files, as paths on this server. */
async function indexFiles(): Promise<{ path: string; lastmod?: string }[]> {
  const index = await sitemapAt('/sitemap.xml');
  expect(index.parsed.root).toBe('sitemapindex');
  return index.parsed.entries.map((entry) => ({ path: new URL(entry.loc).pathname, lastmod: entry.lastmod }));
}

async function publishedSlugs(): Promise<string[]> {
  const rows = await site.sql<{ slug: string }[]>`
    select slug from posts where status = 'published' and published_at <= now() order by slug`;
  return rows.map((row) => row.slug);
}

async function tagsInUse(): Promise<string[]> {
  const rows = await site.sql<{ name: string }[]>`
    select distinct t.name from tags t join post_tags pt on pt.tag_id = t.id join posts p on p.id = pt.post_id
    where p.status = 'published' and p.published_at <= now() order by t.name`;
  return rows.map((row) => row.name);
}

const admin = { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' };

async function adminWrite(
  method: 'POST' | 'PATCH',
  path: string,
  data: Record<string, unknown>,
): Promise<{ post: { id: number; slug: string }; invalidated: string[] }> {
  const response = await fetch(`${server.base}${path}`, { method, headers: admin, body: JSON.stringify(data) });
  expect(response.status, await response.clone().text()).toBe(method === 'POST' ? 201 : 200);
  return (await response.json()) as { post: { id: number; slug: string }; invalidated: string[] };
}

/** Read twice: the second answer comes from the page cache. */
async function cached(path: string): Promise<string> {
  await fetchPath(path);
  const again = await fetchPath(path);
  expect(again.status, path).toBe(200);
  expect(again.cache, `${path} is served from the page cache`).toBe('HIT');
  return again.body;
}

const pathOfPost = (loc: string) => /\/posts\/([a-z0-9-]+)$/.exec(new URL(loc).pathname)?.[1] ?? null;

test('with more than 50,000 published posts, the sitemap index lists files of at most 50,000 addresses and 50 MB that together list every published post once and every tag page', async () => {
  test.setTimeout(180_000);
  const published = await publishedSlugs();
  expect(published.length).toBeGreaterThan(SITEMAP_MAX_URLS);
  expect((await fetchPath('/robots.txt')).body).toMatch(/^Sitemap: \S+\/sitemap\.xml$/m);

  const files = await indexFiles();
  const [maxId] = await site.sql<{ n: number }[]>`select max(id)::int as n from posts where status = 'published'`;
  const postFiles = Array.from({ length: postFileOf(maxId!.n) }, (_, i) => `/sitemaps/posts-${i + 1}.xml`);
  expect(files.map((file) => file.path)).toEqual(['/sitemaps/pages-1.xml', ...postFiles]);
  expect(postFiles.length, 'the posts need more than one file').toBeGreaterThan(1);

  const postLocs: string[] = [];
  const otherLocs: string[] = [];
  for (const file of files) {
    const { parsed, bytes } = await sitemapAt(file.path);
    test.info().annotations.push({ type: file.path, description: `${parsed.entries.length} URLs, ${bytes} bytes` });
    expect(parsed.root, file.path).toBe('urlset');
    expect(parsed.entries.length, file.path).toBeGreaterThan(0);
    expect(parsed.entries.length, file.path).toBeLessThanOrEqual(SITEMAP_MAX_URLS);
    expect(bytes, file.path).toBeLessThan(MAX_BYTES);
    const dates = parsed.entries.flatMap((entry) => (entry.lastmod ? [Date.parse(entry.lastmod)] : []));
    if (file.path.startsWith('/sitemaps/posts-')) {
      // The index dates a posts file by its newest post.
      expect(Date.parse(file.lastmod!), file.path).toBe(Math.max(...dates));
      expect(dates.length).toBe(parsed.entries.length);
    }
    for (const entry of parsed.entries) (pathOfPost(entry.loc) ? postLocs : otherLocs).push(entry.loc);
  }
  expect(postLocs.length, 'every published post once').toBe(published.length);
  expect(postLocs.map(pathOfPost).sort()).toEqual(published);
  const inUse = await tagsInUse();
  expect(otherLocs.map((loc) => new URL(loc).pathname).sort()).toEqual(
    ['/', ...inUse.map((name) => `/tags/${name}`)].sort(),
  );
});

test('publishing a post rebuilds the sitemap file it lands in and the index; the other files stay cached, unchanged', async () => {
  test.setTimeout(180_000);
  const files = (await indexFiles()).map((file) => file.path);
  const before = new Map<string, string>();
  for (const path of files) before.set(path, await cached(path));
  await cached('/sitemap.xml');
  const [existingTag] = await tagsInUse();

  const { post, invalidated } = await adminWrite('POST', '/api/admin/posts', {
    slug: 'the-newest-post-of-a-big-blog',
    title: 'The newest post of a big blog',
    body: 'Published after 60,000 others.',
    status: 'published',
    tags: [existingTag],
  });
  const landing = `/sitemaps/posts-${postFileOf(post.id)}.xml`;
  expect(files, 'a new post lands in the last posts file').toContain(landing);
  expect(invalidated).toContain(tags.postBlock(postFileOf(post.id)));
  expect(invalidated, 'its tag was in use already').not.toContain(tags.tagsInUse);

  const index = await sitemapAt('/sitemap.xml');
  expect(index.cache, 'the index is rebuilt').toBe('MISS');
  const [stored] = await site.sql<{ at: Date }[]>`select published_at as at from posts where id = ${post.id}`;
  expect(index.parsed.entries.find((entry) => entry.loc.endsWith(landing))?.lastmod, 'the index dates it anew').toBe(
    stored!.at.toISOString(),
  );
  const landed = await sitemapAt(landing);
  expect(landed.cache, `${landing} is rebuilt`).toBe('MISS');
  expect(landed.parsed.entries.filter((entry) => pathOfPost(entry.loc) === post.slug)).toHaveLength(1);
  expect(landed.parsed.entries.length).toBeLessThanOrEqual(SITEMAP_MAX_URLS);

  for (const path of files.filter((path) => path !== landing)) {
    const again = await fetchPath(path);
    expect(again.cache, `${path} stays cached`).toBe('HIT');
    expect(again.body === before.get(path), `${path} is unchanged`).toBe(true);
  }

  // Unpublishing a post of the first file takes it out of that file alone.
  const landedBody = await cached(landing);
  const [old] = await site.sql<{ id: number; slug: string }[]>`
    select id, slug from posts where status = 'published' and id <= ${SITEMAP_MAX_URLS} order by id desc limit 1`;
  const first = '/sitemaps/posts-1.xml';
  expect(before.get(first)).toContain(`/posts/${old!.slug}</loc>`);
  await adminWrite('PATCH', `/api/admin/posts/${old!.id}`, { status: 'draft' });
  const rebuilt = await sitemapAt(first);
  expect(rebuilt.cache, `${first} is rebuilt`).toBe('MISS');
  expect(rebuilt.parsed.entries.some((entry) => pathOfPost(entry.loc) === old!.slug)).toBe(false);
  expect(rebuilt.parsed.entries.length).toBe(parseSitemapXml(before.get(first)!).entries.length - 1);
  const other = await fetchPath(landing);
  expect(other.cache, `${landing} stays cached`).toBe('HIT');
  expect(other.body === landedBody, `${landing} is unchanged`).toBe(true);
});

test('a made-up, out-of-range or empty sitemap file is a 404, and stores nothing', async () => {
  const redis = createClient({ url: testRedisUrl, RESP: 2 });
  await redis.connect();
  try {
    const keys = async () => (await redis.keys(`${site.prefix}:cache:b:*`)).length;
    const addresses = (i: number) => [
      `/sitemaps/posts-${1000 + i}.xml`, // in range, no post has such an id
      `/sitemaps/pages-${100 + i}.xml`, // past the last pages file
      `/sitemaps/posts-${42_951 + i}.xml`, // beyond any possible id
      `/sitemaps/posts-0${i}.xml`,
      `/sitemaps/posts-${i}.xml.gz`,
      `/sitemaps/no-such-file-${i}.xml`,
      `/sitemaps/posts-${'9'.repeat(20 + i)}.xml`,
    ];
    for (const address of addresses(0)) expect((await fetchPath(address)).status, address).toBe(404);
    const before = await keys();
    for (let i = 1; i <= 20; i++)
      for (const address of addresses(i)) {
        const answer = await fetchPath(address);
        expect(answer.status, address).toBe(404);
        expect(answer.cache, address).not.toBe('HIT');
      }
    expect(await keys(), '140 made-up addresses').toBe(before);
  } finally {
    await redis.quit();
  }
});
