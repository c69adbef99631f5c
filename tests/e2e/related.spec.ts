import { expect, generatedAtOf, test } from './support/fixtures';
import { freePort } from './support/server';
import { get, OwnSite, postComment, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';
import { startVarnish, type Varnish } from '../../scripts/varnish';

/*
 * Related posts under every post: the earlier posts sharing the most tags. Post A's page shows the
 * titles of posts B, C, D, so a change to B must rebuild exactly the pages listing B — through the
 * shared cache (two servers, one Redis) and through Varnish in front of one of them. Warming is off:
 * a page's render marker changes only when a reader's request rebuilt it.
 */

const site = new OwnSite();
let varnish: Varnish;
let edged: SiteServer;
let other: SiteServer;

interface Related {
  post: number;
  listed: number[];
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await site.open('related');
  const port = await freePort();
  varnish = await startVarnish(port);
  // No second purge: a retitle's would come 2 s later and empty the listers this test has just
  // fetched again (on a loaded machine, before it looks at them); which pages the purge reaches is
  // what is under test here, and edge.spec.ts tests the second purge.
  const shared = { PAGE_CACHE: 'shared', WARM_WINDOW: '0', EDGE_REPURGE_MS: '0' };
  edged = await site.start(
    { ...shared, EDGE: 'varnish', EDGE_PURGE_URL: `${varnish.base}/`, EDGE_PURGE_TOKEN: varnish.purgeToken },
    port,
  );
  other = await site.start({
    ...shared,
    EDGE: 'varnish',
    EDGE_PURGE_URL: `${varnish.base}/`,
    EDGE_PURGE_TOKEN: varnish.purgeToken,
  });
});

test.afterAll(async () => {
  await Promise.all([edged?.stop(), other?.stop()]);
  await varnish?.remove();
  await site.close();
});

/** Every public post's related posts, by the rule the page follows, computed here in SQL on its own. */
async function relatedOfEveryPost(): Promise<Related[]> {
  const rows = await site.sql<{ post: number; listed: number[] }[]>`
    with pub as (select id, published_at from posts where status = 'published' and published_at <= now())
    select a.id as post, coalesce(array_agg(r.id order by r.rank), '{}') as listed
    from pub a
    left join lateral (
      select p.id, row_number() over (order by count(*) desc, p.published_at desc, p.id desc) as rank
      from post_tags mine
      join post_tags o on o.tag_id = mine.tag_id and o.post_id <> mine.post_id
      join pub p on p.id = o.post_id
      where mine.post_id = a.id and (p.published_at < a.published_at or (p.published_at = a.published_at and p.id < a.id))
      group by p.id, p.published_at
      order by count(*) desc, p.published_at desc, p.id desc
      limit 3
    ) r on true
    group by a.id`;
  return rows.map((row) => ({ post: Number(row.post), listed: row.listed.filter((id) => id !== null).map(Number) }));
}

async function slugOf(id: number): Promise<string> {
  const [row] = await site.sql<{ slug: string }[]>`select slug from posts where id = ${id}`;
  return row!.slug;
}

async function viaVarnish(path: string) {
  const response = await fetch(`${varnish.base}${path}`, { headers: { connection: 'close' } });
  const html = await response.text();
  return { status: response.status, html, cache: response.headers.get('x-cache'), marker: generatedAtOf(html) };
}

/** Ids of the related posts a page shows, in order. */
const shownRelated = (html: string) => [...html.matchAll(/data-related-id="(\d+)"/g)].map((match) => Number(match[1]));

async function adminPatch(id: number, change: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${edged.base}/api/admin/posts/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

test('a post page shows the earlier posts sharing the most tags, newest first among equals, with links', async ({
  page,
}) => {
  const all = await relatedOfEveryPost();
  const sample = all.filter((row) => row.listed.length === 3).slice(0, 5);
  expect(sample.length).toBeGreaterThan(0);
  for (const row of sample) {
    const answer = await get(other.base, `/posts/${await slugOf(row.post)}`);
    expect(shownRelated(answer.html), `post ${row.post}`).toEqual(row.listed);
    expect(shownRelated(answer.html)).not.toContain(row.post);
  }
  const oldest = all.find((row) => row.listed.length === 0);
  if (oldest) expect(shownRelated((await get(other.base, `/posts/${await slugOf(oldest.post)}`)).html)).toEqual([]);

  const first = sample[0]!;
  await page.goto(`${other.base}/posts/${await slugOf(first.post)}`);
  const related = page.getByRole('complementary', { name: 'Related posts' });
  await expect(related.getByRole('link')).toHaveCount(3);
  const [target] = await site.sql<{ title: string; slug: string }[]>`
    select title, slug from posts where id = ${first.listed[0]!}`;
  await related.getByRole('link', { name: target!.title }).click();
  await expect(page).toHaveURL(`${other.base}/posts/${target!.slug}`);
});

test('retitling a related post rebuilds exactly the pages listing it, through both servers and Varnish; a comment on it rebuilds none of them', async () => {
  test.setTimeout(120_000);
  const all = await relatedOfEveryPost();
  const listersOf = (id: number) => all.filter((row) => row.listed.includes(id)).map((row) => row.post);
  // A post listed by a few pages, with later posts of its tags that do not list it.
  const tagsOf = async (id: number) =>
    (await site.sql<{ tag_id: number }[]>`select tag_id from post_tags where post_id = ${id}`).map((r) => r.tag_id);
  let chosen: { id: number; listers: number[]; others: number[] } | null = null;
  for (const row of all) {
    const listers = listersOf(row.post);
    if (listers.length < 2 || listers.length > 6) continue;
    const mine = await tagsOf(row.post);
    const sharing = await site.sql<{ post_id: number }[]>`
      select distinct post_id from post_tags where tag_id in ${site.sql(mine)} and post_id <> ${row.post}`;
    const others = sharing
      .map((r) => Number(r.post_id))
      .filter((id) => !listers.includes(id) && all.some((a) => a.post === id))
      .slice(0, 3);
    if (others.length === 3) {
      chosen = { id: row.post, listers, others };
      break;
    }
  }
  expect(chosen, 'the seed has a post listed by 2 to 6 pages').not.toBeNull();
  const { id, listers, others } = chosen!;
  const paths = new Map<number, string>();
  for (const post of [id, ...listers, ...others]) paths.set(post, `/posts/${await slugOf(post)}`);

  // Warm: each page kept by Varnish, and in the shared cache both servers read.
  const before = new Map<number, string>();
  for (const [post, path] of paths) {
    await viaVarnish(path);
    const hit = await viaVarnish(path);
    expect(hit.cache, `${path} is kept by Varnish`).toBe('HIT');
    expect((await get(other.base, path)).marker, `${path}: one render for both servers`).toBe(hit.marker);
    before.set(post, hit.marker!);
  }

  const title = `Retitled related post ${Date.now()}`;
  await adminPatch(id, { title });

  for (const post of [id, ...listers]) {
    const path = paths.get(post)!;
    const edge = await viaVarnish(path);
    expect(edge.html, `${path} through Varnish shows the new title`).toContain(title);
    expect(edge.marker, `${path} was rebuilt`).not.toBe(before.get(post));
    const direct = await get(other.base, path);
    expect(direct.html, `${path} through the other server`).toContain(title);
    expect(direct.marker, `${path}: the other server serves the same rebuild`).toBe(edge.marker);
    before.set(post, edge.marker!);
  }
  for (const post of others) {
    const path = paths.get(post)!;
    const edge = await viaVarnish(path);
    expect(edge.cache, `${path} does not list it: still kept by Varnish`).toBe('HIT');
    expect(edge.marker).toBe(before.get(post));
    expect((await get(other.base, path)).marker, `${path} untouched in the shared cache`).toBe(before.get(post));
  }

  // A comment on it changes its own page, and no page that only lists it.
  const body = `A comment on a related post ${Date.now()}`;
  const response = await postComment(other.base, id, body);
  expect(response.status).toBe(201);
  const own = await viaVarnish(paths.get(id)!);
  expect(own.html).toContain(body);
  for (const post of [...listers, ...others]) {
    const path = paths.get(post)!;
    const edge = await viaVarnish(path);
    expect(edge.cache, `${path} after the comment`).toBe('HIT');
    expect(edge.marker).toBe(before.get(post));
    expect((await get(other.base, path)).marker).toBe(before.get(post));
  }
});

test('publishing a post rebuilds no earlier post page: it is related to the posts after it only', async () => {
  // Pages of posts from before this month: the month tag of a new post reaches none of them.
  const month = new Date();
  month.setUTCDate(1);
  month.setUTCHours(0, 0, 0, 0);
  const earlier = await site.sql<{ id: number; slug: string }[]>`
    select p.id, p.slug from posts p join post_tags pt on pt.post_id = p.id
    where p.status = 'published' and p.published_at < ${month} and pt.tag_id = (select min(tag_id) from post_tags)
    order by p.published_at desc limit 3`;
  expect(earlier.length).toBe(3);
  const [tag] = await site.sql<
    { name: string }[]
  >`select name from tags where id = (select min(tag_id) from post_tags)`;
  const before = new Map<string, string>();
  for (const { slug } of earlier) {
    await viaVarnish(`/posts/${slug}`);
    const hit = await viaVarnish(`/posts/${slug}`);
    before.set(slug, hit.marker!);
  }
  const response = await fetch(`${edged.base}/api/admin/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      slug: `related-newcomer-${Date.now()}`,
      title: 'A newcomer to the tag',
      body: 'Published now.',
      status: 'published',
      tags: [tag!.name],
    }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { post: created } = (await response.json()) as { post: { id: number } };
  const newcomer = created.id;
  for (const { slug } of earlier) {
    const edge = await viaVarnish(`/posts/${slug}`);
    expect(edge.cache, `/posts/${slug}`).toBe('HIT');
    expect(edge.marker).toBe(before.get(slug));
    expect(shownRelated(edge.html)).not.toContain(newcomer);
  }
  // The newcomer's own page lists earlier posts of its tag.
  const own = await get(other.base, `/posts/${await slugOf(newcomer)}`);
  expect(shownRelated(own.html).length).toBeGreaterThan(0);
});
