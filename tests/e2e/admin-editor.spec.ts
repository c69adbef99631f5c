import type { Page } from '@playwright/test';
import {
  expect,
  expectRebuilt,
  expectUntouched,
  generatedAtOf,
  pickUnrelatedTag,
  snapshot,
  test,
  warm,
  warmAll,
  type Snapshot,
} from './support/fixtures';
import { actionFormsOf } from './support/form-post';
import { CarriedAdminSession } from './support/admin-session';
import { get, OwnSite, type SiteServer } from './support/site';

/*
 * The blogger's side of the admin on a site of its own: writing, previewing, publishing and
 * scheduling posts through the editor, with a real browser and the production server.
 */

const PASSWORD = 'a long admin password for the editor tests';
const COOKIE = 'freshpress_admin';

const site = new OwnSite();
let server: SiteServer;
let runs = 0;

test.describe.configure({ mode: 'serial' });

const startServer = () => site.start({ ADMIN_PASSWORD: PASSWORD });

test.beforeAll(async () => {
  await site.open('admin-editor');
  server = await startServer();
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

const admin = new CarriedAdminSession(() => server.base, PASSWORD);
const loggedIn = (page: Page) => admin.loggedIn(page);

interface Draft {
  title: string;
  slug: string;
  body: string;
  tags?: string;
  status?: 'Draft' | 'Published';
  publishedAt?: string;
}

async function writePost(page: Page, post: Draft): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Posts' }).click();
  await page.getByRole('link', { name: 'Write a new post' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New post' })).toBeVisible();
  await page.getByLabel('Title', { exact: true }).fill(post.title);
  await page.getByLabel('Slug').fill(post.slug);
  await page.getByLabel('Body (Markdown)').fill(post.body);
  await page.getByLabel('Tags').fill(post.tags ?? '');
  await page.getByLabel('Status').selectOption({ label: post.status ?? 'Draft' });
  if (post.publishedAt) await page.getByLabel('Publication time (UTC)').fill(post.publishedAt);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit “${post.title}”` })).toBeVisible();
  await expect(page.getByText('Saved.')).toBeVisible();
}

const unique = () => `${Date.now().toString(36)}-${++runs}`;
/** A UTC time as the editor's field takes it, `seconds` from now by the database's clock. */
async function utcIn(seconds: number): Promise<{ field: string; at: Date }> {
  const [row] = await site.sql<
    { at: Date }[]
  >`select date_trunc('second', now()) + make_interval(secs => ${seconds}) as at`;
  return { field: row!.at.toISOString().slice(0, 19), at: row!.at };
}

test('a draft is previewed as the public page renders it, without being published; publishing and editing reach the homepage', async ({
  page,
}) => {
  const slug = `editor-draft-${unique()}`;
  await loggedIn(page);
  await writePost(page, {
    title: 'A draft in the editor',
    slug,
    body: 'Some **bold** words.\n\n<script>alert(1)</script>',
    tags: 'caching',
  });

  await page.getByRole('link', { name: 'Preview' }).click();
  const article = page.getByRole('article');
  await expect(article.getByRole('heading', { level: 1, name: 'A draft in the editor' })).toBeVisible();
  await expect(article.locator('strong')).toHaveText('bold');
  // The public page's sanitizer ran on the preview too.
  expect(await article.innerHTML()).not.toContain('<script');
  await expect(page.getByRole('note')).toContainText('this draft is not published');
  expect((await get(server.base, `/posts/${slug}`)).status).toBe(404);
  expect((await get(server.base, '/')).html).not.toContain('A draft in the editor');

  await page.getByRole('link', { name: 'Back to the editor' }).click();
  await page.getByLabel('Status').selectOption({ label: 'Published' });
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  expect((await get(server.base, '/')).html).toContain('A draft in the editor');
  expect((await get(server.base, `/posts/${slug}`)).status).toBe(200);

  await page.getByLabel('Title').fill('A post, retitled');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit “A post, retitled”' })).toBeVisible();
  expect((await get(server.base, `/posts/${slug}`)).html).toContain('A post, retitled');
  expect((await get(server.base, '/')).html).toContain('A post, retitled');

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Posts' }).click();
  await expect(page.getByRole('row', { name: /A post, retitled/ })).toContainText('Published');
});

test('the schema’s messages show beside the fields, and what was typed is kept', async ({ page }) => {
  await loggedIn(page);
  await page.goto(`${server.base}/admin/posts/new`);
  await page.getByLabel('Title').fill('Kept title');
  await page.getByLabel('Slug').fill('Not A Slug');
  await page.getByLabel('Body (Markdown)').fill('Kept body');
  await page.getByLabel('Tags').fill('Bad Tag!');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Slug')).toHaveAccessibleDescription(/^A slug uses a-z, 0-9 and single hyphens\./);
  await expect(page.getByLabel('Slug')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Tags')).toHaveAccessibleDescription(/^Tag names use a-z, 0-9 and single hyphens\./);
  await expect(page.getByLabel('Title')).toHaveValue('Kept title');
  await expect(page.getByLabel('Body (Markdown)')).toHaveValue('Kept body');
  const [row] = await site.sql<{ n: number }[]>`select count(*)::int as n from posts where title = 'Kept title'`;
  expect(row!.n).toBe(0);
});

test('without JavaScript the editor still refuses beside the fields and saves', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await loggedIn(page);
    await page.goto(`${server.base}/admin/posts/new`);
    const slug = `editor-no-script-${unique()}`;
    await page.getByLabel('Title').fill('Written without JavaScript');
    await page.getByLabel('Slug').fill('Not A Slug');
    await page.getByLabel('Body (Markdown)').fill('Plain forms.');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByLabel('Slug')).toHaveAccessibleDescription(/^A slug uses a-z, 0-9 and single hyphens\./);
    await expect(page.getByLabel('Title')).toHaveValue('Written without JavaScript');
    await page.getByLabel('Slug').fill(slug);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Edit “Written without JavaScript”' })).toBeVisible();
    const [row] = await site.sql<{ status: string }[]>`select status from posts where slug = ${slug}`;
    expect(row?.status).toBe('draft');
  } finally {
    await context.close();
  }
});

test('a scheduled post appears on the homepage, feed and its tag page at its time on its own; only those pages are rebuilt', async ({
  page,
  request,
}) => {
  const [newest, ...rest] = await site.publishedNewestFirst();
  const tag = newest!.tags[0]!;
  const unrelated = rest.flatMap((post) => post.tags).find((name) => !newest!.tags.includes(name) && name !== tag)!;
  const other = rest.at(-1)!;
  const slug = `editor-scheduled-${unique()}`;
  const title = `Scheduled ${slug}`;
  const affected = ['/', '/feed.xml', `/tags/${tag}`];
  const kept = [`/tags/${unrelated}`, `/posts/${other.slug}`];
  const url = (path: string) => `${server.base}${path}`;

  await loggedIn(page);
  const before = new Map<string, Snapshot>();
  for (const path of [...affected, ...kept]) before.set(path, await warm(request, url(path)));

  // Far enough ahead that the checks before its time finish first beside a full suite.
  const { field, at } = await utcIn(15);
  await writePost(page, { title, slug, body: 'Out on time.', tags: tag, status: 'Published', publishedAt: field });
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Posts' }).click();
  await expect(page.getByRole('row', { name: new RegExp(title) })).toContainText(`Scheduled for ${at.toISOString()}`);

  // Before its time: on no page, and scheduling it rebuilt nothing.
  for (const path of affected) {
    const now = await snapshot(request, url(path));
    expect(now.html, path).not.toContain(title);
    expect(now.generatedAt, `${path} untouched by the scheduling`).toBe(before.get(path)!.generatedAt);
  }
  expect((await get(server.base, `/posts/${slug}`)).status).toBe(404);
  const [early] = await site.sql<{ yes: boolean }[]>`select now() < ${at} as yes`;
  expect(early!.yes, 'the checks above ran before the publication time').toBe(true);

  await expect.poll(async () => (await get(server.base, '/')).html, { timeout: 30_000 }).toContain(title);
  for (const path of affected) {
    const now = await snapshot(request, url(path));
    expect(now.html, path).toContain(title);
    expect(now.generatedAt, `${path} rebuilt at the publication time`).not.toBe(before.get(path)!.generatedAt);
  }
  expect((await get(server.base, `/posts/${slug}`)).status).toBe(200);
  for (const path of kept) {
    const now = await snapshot(request, url(path));
    expect(now.cache, `${path} still cached`).toBe('HIT');
    expect(now.generatedAt, `${path} kept`).toBe(before.get(path)!.generatedAt);
  }
  const [announced] = await site.sql<
    { n: number }[]
  >`select count(*)::int as n from invalidations where event->>'description' like ${`%${title}%`}`;
  expect(announced!.n, 'announced exactly once').toBe(1);
});

test('a post that comes due while no server runs is on the homepage as soon as a server is back', async ({
  request,
}) => {
  const slug = `editor-while-down-${unique()}`;
  const title = `Due while down ${slug}`;
  await warm(request, `${server.base}/`);
  await server.stop();
  await site.sql`insert into posts (slug, title, body, status, published_at) values (${slug}, ${title}, 'Written while down.', 'published', now() + interval '1 second')`;
  await expect
    .poll(
      async () =>
        (await site.sql<{ due: boolean }[]>`select published_at <= now() as due from posts where slug = ${slug}`)[0]!
          .due,
    )
    .toBe(true);

  server = await startServer();
  const home = await get(server.base, '/');
  expect(home.html).toContain(title);
  expect(generatedAtOf(home.html)).not.toBeNull();
  expect((await get(server.base, `/posts/${slug}`)).status).toBe(200);
});

/** "Saving rebuilds /, /posts/a and /tags/b — …" → the pages it names. */
function pagesNamed(plan: string): string[] {
  const named = plan.match(/rebuilds (.+?) — /)?.[1];
  return named ? named.split(/, | and /) : [];
}

async function titleOf(id: number): Promise<string> {
  const [row] = await site.sql<{ title: string }[]>`select title from posts where id = ${id}`;
  return row!.title;
}

test('the dry run of a title edit saves nothing and names exactly the pages the save then rebuilds; the others stay cached; a retag’s names the tag pages gained and lost', async ({
  page,
  request,
}) => {
  const posts = await site.publishedNewestFirst();
  const post = posts.find((candidate) => candidate.tags.length > 0 && !candidate.slug.startsWith('editor-'))!;
  const other = posts.find(
    (candidate) => candidate.id !== post.id && !candidate.tags.some((tag) => post.tags.includes(tag)),
  )!;
  const url = (path: string) => `${server.base}${path}`;
  const paths = [
    '/',
    '/feed.xml',
    `/posts/${post.slug}`,
    ...post.tags.map((tag) => `/tags/${tag}`),
    `/posts/${other.slug}`,
    `/tags/${pickUnrelatedTag(posts, post)}`,
  ];
  const warmed = await warmAll(request, paths.map(url));

  await loggedIn(page);
  await page.goto(url(`/admin/posts/${post.id}/edit`));
  const title = `${post.title} (dry run ${unique()})`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByRole('button', { name: 'Preview the effect' }).click();
  const planLine = page.getByRole('status').getByText(/^Saving rebuilds /);
  await expect(planLine).toContainText(`Not saved yet; it would invalidate post:${post.id}.`);
  const named = pagesNamed((await planLine.textContent()) ?? '');
  expect(named).toContain(`/posts/${post.slug}`);
  for (const tag of post.tags) expect(named).toContain(`/tags/${tag}`);
  expect(named).not.toContain(`/posts/${other.slug}`);
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue(title);

  // Nothing saved: the database and every cached page are as they were.
  expect(await titleOf(post.id)).toBe(post.title);
  await expectUntouched(request, warmed, paths.map(url));
  // Named pages an earlier test cached are kept too, to be compared after the save.
  const all = [...new Set([...paths, ...named])].map(url);
  const before = await warmAll(request, all);

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit “${title}”` })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toHaveText(
    `Saved. Invalidated post:${post.id}.`,
  );
  expect(await titleOf(post.id)).toBe(title);
  for (const path of named) await expectRebuilt(request, before, url(path));
  await expectUntouched(
    request,
    before,
    all.filter((address) => !named.map(url).includes(address)),
  );

  const [lost, ...kept] = post.tags as [string, ...string[]];
  const gained = pickUnrelatedTag(posts, post);
  const tagPages = [`/tags/${lost}`, `/tags/${gained}`].map(url);
  const beforeRetag = await warmAll(request, tagPages);
  await page.getByLabel('Tags').fill([...kept, gained].join(', '));
  await page.getByRole('button', { name: 'Preview the effect' }).click();
  await expect(planLine).toContainText(`tag:${lost}`);
  expect(pagesNamed((await planLine.textContent()) ?? '')).toEqual(
    expect.arrayContaining([`/tags/${lost}`, `/tags/${gained}`]),
  );
  await expect(page.getByLabel('Tags')).toHaveValue([...kept, gained].join(', '));
  expect((await site.publishedNewestFirst()).find((candidate) => candidate.id === post.id)!.tags).toEqual(post.tags);
  await expectUntouched(request, beforeRetag, tagPages);
});

test('each editor action, called without a session, is refused and changes nothing', async ({ page }) => {
  await loggedIn(page);
  const cookie = (await page.context().cookies(`${server.base}/admin`)).find((c) => c.name === COOKIE)!;
  const [target] = await site.sql<
    { id: number; title: string }[]
  >`select id, title from posts where status = 'published' order by id limit 1`;
  const count = async () => (await site.sql<{ n: number }[]>`select count(*)::int as n from posts`)[0]!.n;
  const before = await count();

  for (const path of ['/admin/posts/new', `/admin/posts/${target!.id}/edit`]) {
    const html = await (
      await fetch(`${server.base}${path}`, { headers: { cookie: `${COOKIE}=${cookie.value}`, connection: 'close' } })
    ).text();
    const actions = actionFormsOf(html);
    // The logout and the editor's save.
    expect(actions.length, path).toBeGreaterThanOrEqual(2);
    for (const fields of actions) {
      const data = new FormData();
      for (const [name, value] of fields) data.append(name, value);
      for (const [name, value] of Object.entries({
        title: 'Forged',
        slug: `forged-${unique()}`,
        body: 'Forged.',
        tags: '',
        status: 'published',
        publishedAt: '',
      }))
        data.append(name, value);
      const response = await fetch(`${server.base}${path}`, {
        method: 'POST',
        body: data,
        redirect: 'manual',
        headers: { connection: 'close' },
      });
      expect(response.status, path).toBeLessThan(500);
      expect(response.headers.get('location') ?? '', path).not.toContain('/edit?saved');
      // The dry run too: it reads the cache's listing, which is the admin's to see.
      data.append('intent', 'dry-run');
      const planned = await fetch(`${server.base}${path}`, {
        method: 'POST',
        body: data,
        redirect: 'manual',
        headers: { connection: 'close' },
      });
      expect(planned.status, path).toBeLessThan(500);
      expect(await planned.text(), path).not.toMatch(/Saving rebuilds|Not saved yet/);
    }
  }
  expect(await count()).toBe(before);
  const [still] = await site.sql<{ title: string }[]>`select title from posts where id = ${target!.id}`;
  expect(still!.title).toBe(target!.title);
});

/** The post ids of the admin list's rows, in the order shown (from their Edit links). */
async function postIdsShown(page: Page): Promise<number[]> {
  const hrefs = await page
    .getByRole('link', { name: /^Edit “/ })
    .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  return hrefs.map((href) => Number(href.match(/\/admin\/posts\/(\d+)\/edit/)?.[1]));
}

async function adminOrderIds(offset: number): Promise<number[]> {
  const rows = await site.sql<{ id: number }[]>`
    select id from posts order by status, published_at desc nulls first, id desc limit 50 offset ${offset}`;
  return rows.map((row) => row.id);
}

test('the post list comes in pages of 50, drafts first, with plain links; a bad page number is a 404, never a 500', async ({
  page,
}) => {
  await loggedIn(page);
  const [counted] = await site.sql<{ n: number }[]>`select count(*)::int as n from posts`;
  const pages = Math.ceil(counted!.n / 50);
  expect(pages).toBeGreaterThan(2);

  await page.goto(`${server.base}/admin/posts`);
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await expect(nav).toContainText(`Page 1 of ${pages} · ${counted!.n} posts`);
  const first = await postIdsShown(page);
  expect(first).toEqual(await adminOrderIds(0));

  await nav.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(`${server.base}/admin/posts?page=2`);
  await expect(nav).toContainText(`Page 2 of ${pages}`);
  const second = await postIdsShown(page);
  expect(second).toEqual(await adminOrderIds(50));
  expect(second.filter((id) => first.includes(id))).toEqual([]);
  await nav.getByRole('link', { name: 'First page' }).click();
  await expect(page).toHaveURL(`${server.base}/admin/posts`);

  for (const bad of ['0', '-2', 'two', '1e2', '9999999', '1&page=2']) {
    const response = await page.request.get(`${server.base}/admin/posts?page=${bad}`);
    expect(response.status(), bad).toBe(404);
  }
  const past = await page.goto(`${server.base}/admin/posts?page=${pages + 1}`);
  expect(past?.status()).toBe(200);
  await expect(page.getByRole('note')).toContainText(`Page ${pages + 1} is past the end of this list`);
});
