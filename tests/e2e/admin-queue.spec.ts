import { request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import { expect, expectRebuilt, expectUntouched, pickUnrelatedTag, test, warmAll } from './support/fixtures';
import { actionFormsOf } from './support/form-post';
import { comment, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * The moderation queue on a site of its own, with manual moderation so comments wait as pending.
 * Its own Redis prefix means the page cache it lists holds this site's pages only.
 */

const PASSWORD = 'a long admin password for the queue';
const COOKIE = 'freshpress_admin';

const site = new OwnSite();
let server: SiteServer;
let http: APIRequestContext;
let clients = 0;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('admin-queue');
  server = await site.start({ ADMIN_PASSWORD: PASSWORD, COMMENT_MODERATION: 'manual', TRUST_PROXY: 'loopback' });
  http = await playwrightRequest.newContext({ baseURL: server.base });
});

test.afterAll(async () => {
  await http?.dispose();
  await server?.stop();
  await site.close();
});

async function loggedIn(page: Page): Promise<void> {
  // A client of its own, so the login limit of one test does not reach another.
  await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': `198.51.100.${++clients}` });
  await page.goto(`${server.base}/admin/login`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
}

async function statusOf(body: string): Promise<string | null> {
  const [row] = await site.sql<{ status: string }[]>`select status::text from comments where body = ${body}`;
  return row?.status ?? null;
}

async function commentIdOf(body: string): Promise<number> {
  const [row] = await site.sql<{ id: number }[]>`select id from comments where body = ${body}`;
  return row!.id;
}

const rowOf = (page: Page, body: string) =>
  page.getByRole('list', { name: 'Comments' }).getByRole('listitem').filter({ hasText: body });

/** "Approving rebuilds /posts/a, /tags/b and / — …" → the pages it names. */
function pagesNamed(plan: string): string[] {
  const named = plan.match(/rebuilds (.+?) — /)?.[1];
  return named ? named.split(/, | and /) : [];
}

test('a blogger approves with the dry run in view: exactly the pages it names are rebuilt; then marks spam in bulk, deletes one and filters by post', async ({
  page,
}) => {
  const posts = await site.publishedNewestFirst();
  const post = posts.find((candidate) => candidate.tags.length > 0)!;
  const other = posts.find((candidate) => candidate.id !== post.id)!;
  const stamp = Date.now();
  const [approved, spam1, spam2, deleted, elsewhere] = [
    'to approve',
    'spam one',
    'spam two',
    'to delete',
    'on another post',
  ].map((what) => `Queue ${what} ${stamp}`) as [string, string, string, string, string];
  for (const body of [approved, spam1, spam2, deleted]) await comment(server.base, post.id, body);
  await comment(server.base, other.id, elsewhere);
  const [counted] = await site.sql<{ n: number }[]>`select count(*)::int as n from comments where status = 'pending'`;
  const pending = counted!.n;

  const paths = [
    '/',
    '/feed.xml',
    `/posts/${post.slug}`,
    ...post.tags.map((tag) => `/tags/${encodeURIComponent(tag)}`),
    `/posts/${other.slug}`,
    `/tags/${encodeURIComponent(pickUnrelatedTag(posts, post))}`,
  ];
  const before = await warmAll(http, paths);

  await loggedIn(page);
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await expect(nav.getByRole('link', { name: /Pending comments/ })).toHaveText(`Pending comments ${pending}`);
  await nav.getByRole('link', { name: /Pending comments/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Comments' })).toBeVisible();

  const row = rowOf(page, approved);
  await expect(row.getByRole('link', { name: post.title })).toHaveAttribute('href', `/posts/${post.slug}`);
  await expect(row.locator('time')).toHaveText('just now');
  await expect(rowOf(page, elsewhere).getByRole('link', { name: other.title })).toBeVisible();

  const approve = row.getByRole('button', { name: 'Approve' });
  await expect(approve).toHaveAccessibleDescription(
    /^Approving rebuilds .+ — (they show|it shows) this post's comments/,
  );
  const plan =
    (await approve.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent())) ?? '';
  const named = pagesNamed(plan);
  expect(named, plan).toContain(`/posts/${post.slug}`);
  expect(named, plan).not.toContain(`/posts/${other.slug}`);
  // Every page it names is one this test put in the cache: nothing is named that is not there.
  expect(paths, plan).toEqual(expect.arrayContaining(named));
  // Spam and deletion of a pending comment touch no page, and the dry run says so.
  await expect(row.getByRole('button', { name: 'Mark spam' })).toHaveAccessibleDescription(
    /^Marking it spam rebuilds nothing/,
  );

  await approve.click();
  const id = await commentIdOf(approved);
  await expect(page.getByRole('status')).toHaveText(`Approved comment ${id}: invalidated post:${post.id}:comments.`);
  expect(await statusOf(approved)).toBe('published');
  await expect(nav.getByRole('link', { name: /Pending comments/ })).toHaveText(`Pending comments ${pending - 1}`);
  for (const path of named) await expectRebuilt(http, before, path);
  await expectUntouched(
    http,
    before,
    paths.filter((path) => !named.includes(path)),
  );

  // Published now: the row has left the pending queue.
  await expect(rowOf(page, approved)).toHaveCount(0);

  await rowOf(page, spam1).getByRole('checkbox').check();
  await rowOf(page, spam2).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Mark spam ticked' }).click();
  await expect(page.getByRole('status')).toContainText(
    `Marked spam comment ${await commentIdOf(spam1)}: nothing was invalidated.`,
  );
  await expect(page.getByRole('status')).toContainText(
    `Marked spam comment ${await commentIdOf(spam2)}: nothing was invalidated.`,
  );
  expect([await statusOf(spam1), await statusOf(spam2)]).toEqual(['spam', 'spam']);
  await expect(nav.getByRole('link', { name: /Pending comments/ })).toHaveText(`Pending comments ${pending - 3}`);

  const deletedId = await commentIdOf(deleted);
  await rowOf(page, deleted).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toHaveText(`Deleted comment ${deletedId}: nothing was invalidated.`);
  expect(await statusOf(deleted)).toBeNull();
  await expect(nav.getByRole('link', { name: /Pending comments/ })).toHaveText(`Pending comments ${pending - 4}`);

  // The filter is a plain GET form: the address holds it.
  await page.getByLabel('Status').selectOption('spam');
  await page.getByLabel('Post').selectOption(String(post.id));
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(`${server.base}/admin/comments?status=spam&post=${post.id}`);
  await expect(rowOf(page, spam1)).toBeVisible();
  await expect(rowOf(page, spam2)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Comments' }).getByRole('listitem')).toHaveCount(2);

  await page.goto(`${server.base}/admin/comments?post=${other.id}`);
  await expect(rowOf(page, elsewhere)).toBeVisible();
  await expect(rowOf(page, spam1)).toHaveCount(0);
});

test('the queue works without JavaScript: a row button posts the one form and the answer says what was invalidated', async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    const [post] = await site.publishedNewestFirst();
    const body = `Queue without script ${Date.now()}`;
    await comment(server.base, post!.id, body);
    await loggedIn(page);
    await page.goto(`${server.base}/admin/comments`);
    await rowOf(page, body).getByRole('button', { name: 'Mark spam' }).click();
    await expect(page.getByRole('status')).toHaveText(
      `Marked spam comment ${await commentIdOf(body)}: nothing was invalidated.`,
    );
    expect(await statusOf(body)).toBe('spam');
  } finally {
    await context.close();
  }
});

test('the queue actions, called directly without a session, are refused and change nothing', async ({ page }) => {
  const [post] = await site.publishedNewestFirst();
  const body = `Queue must stay pending ${Date.now()}`;
  await comment(server.base, post!.id, body);
  const id = await commentIdOf(body);

  await loggedIn(page);
  const cookie = (await page.context().cookies(`${server.base}/admin`)).find((c) => c.name === COOKIE);
  const queue = await (
    await fetch(`${server.base}/admin/comments`, {
      headers: { cookie: `${COOKIE}=${cookie!.value}`, connection: 'close' },
    })
  ).text();
  expect(queue).toContain(body);
  const actions = actionFormsOf(queue);
  // The logout and the queue's form.
  expect(actions.length).toBeGreaterThanOrEqual(2);

  for (const fields of actions) {
    for (const extra of [
      { one: `approve:${id}` },
      { one: `delete:${id}` },
      { bulk: 'spam', id: String(id) },
      { bulk: 'delete', id: String(id) },
    ]) {
      const data = new FormData();
      for (const [name, value] of fields) data.append(name, value);
      for (const [name, value] of Object.entries(extra)) data.append(name, value);
      const response = await fetch(`${server.base}/admin/comments`, {
        method: 'POST',
        body: data,
        redirect: 'manual',
        headers: { connection: 'close' },
      });
      expect(response.status).toBeLessThan(500);
      expect(await statusOf(body), JSON.stringify(extra)).toBe('pending');
    }
  }
});

/** The comment ids of the queue's rows, in the order shown. */
async function idsShown(page: Page): Promise<number[]> {
  return page
    .getByRole('list', { name: 'Comments' })
    .getByRole('checkbox')
    .evaluateAll((boxes) => boxes.map((box) => Number((box as HTMLInputElement).value)));
}

async function queueIds(status: string, offset: number, postId?: number): Promise<number[]> {
  const rows = await site.sql<{ id: number }[]>`
    select id from comments where status = ${status}::comment_status
      and (${postId ?? null}::int is null or post_id = ${postId ?? null}::int)
    order by created_at desc, id desc limit 50 offset ${offset}`;
  return rows.map((row) => row.id);
}

test('the queue comes in pages of 50 with plain links that keep the filter, without JavaScript', async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await loggedIn(page);
    const [counted] = await site.sql<
      { n: number }[]
    >`select count(*)::int as n from comments where status = 'published'`;
    const pages = Math.ceil(counted!.n / 50);
    expect(pages).toBeGreaterThan(2);

    await page.goto(`${server.base}/admin/comments?status=published`);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await expect(nav).toContainText(`Page 1 of ${pages} · ${counted!.n.toLocaleString('en')} comments`);
    const first = await idsShown(page);
    expect(first).toEqual(await queueIds('published', 0));

    await nav.getByRole('link', { name: 'Next page' }).click();
    await expect(page).toHaveURL(`${server.base}/admin/comments?status=published&page=2`);
    await expect(nav).toContainText(`Page 2 of ${pages}`);
    const second = await idsShown(page);
    expect(second).toEqual(await queueIds('published', 50));
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    await expect(page.getByLabel('Status')).toHaveValue('published');

    await nav.getByRole('link', { name: 'Last page' }).click();
    await expect(page).toHaveURL(`${server.base}/admin/comments?status=published&page=${pages}`);
    await expect(nav.getByRole('link', { name: 'Next page' })).toHaveCount(0);
    expect(await idsShown(page)).toEqual(await queueIds('published', (pages - 1) * 50));

    // The post filter: "only this post" beside a comment, then its pages keep both filters.
    const [busiest] = await site.sql<{ post_id: number; n: number }[]>`
      select post_id, count(*)::int as n from comments where status = 'published'
      group by post_id order by n desc, post_id limit 1`;
    expect(busiest!.n).toBeGreaterThan(50);
    await page.goto(`${server.base}/admin/comments?status=published&post=${busiest!.post_id}&page=2`);
    await expect(page.getByLabel('Post')).toHaveValue(String(busiest!.post_id));
    expect(await idsShown(page)).toEqual(await queueIds('published', 50, busiest!.post_id));
    await nav.getByRole('link', { name: 'Previous page' }).click();
    await expect(page).toHaveURL(`${server.base}/admin/comments?status=published&post=${busiest!.post_id}`);
    const row = page.getByRole('list', { name: 'Comments' }).getByRole('listitem').first();
    await row.getByRole('link', { name: 'only this post' }).click();
    await expect(page).toHaveURL(`${server.base}/admin/comments?status=published&post=${busiest!.post_id}`);
  } finally {
    await context.close();
  }
});

test('a page number that is not one is a 404 and one past the end says so, never a 500', async ({ page }) => {
  await loggedIn(page);
  for (const bad of ['0', '-1', 'abc', '1e3', '2.5', '9999999', '2&page=3']) {
    const response = await page.request.get(`${server.base}/admin/comments?status=pending&page=${bad}`);
    expect(response.status(), bad).toBe(404);
  }
  const nul = await page.request.get(`${server.base}/admin/comments?page=%00`);
  expect(nul.status()).toBeGreaterThanOrEqual(400);
  expect(nul.status()).toBeLessThan(500);
  const past = await page.goto(`${server.base}/admin/comments?status=pending&page=9000`);
  expect(past?.status()).toBe(200);
  await expect(page.getByRole('note')).toContainText('Page 9000 is past the end of this list');
  await expect(page.getByRole('list', { name: 'Comments' })).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Previous page' }).click();
  await expect(page.getByRole('list', { name: 'Comments' }).getByRole('listitem').first()).toBeVisible();
});

test('a reply in the queue says which comment it answers, with a link; a hidden comment that replies hang from is planned and deleted as a change to its post', async ({
  page,
}) => {
  const post = (await site.publishedNewestFirst())[12]!;
  const stamp = Date.now();
  const add = async (body: string, parentId?: number) => {
    const response = await fetch(`${server.base}/api/admin/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ postId: post.id, parentId, authorName: 'Rosa', authorEmail: 'rosa@example.com', body }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { id: number }).id;
  };
  const setStatus = async (id: number, status: string) => {
    const response = await fetch(`${server.base}/api/admin/comments/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
    expect(response.status).toBe(200);
  };
  const parent = await add(`Queue parent ${stamp}`);
  await setStatus(parent, 'published');
  const reply = `Queue reply ${stamp}`;
  await add(reply, parent);

  await loggedIn(page);
  await page.goto(`${server.base}/admin/comments`);
  await expect(rowOf(page, reply)).toContainText(`A reply to comment ${parent} by Rosa.`);
  await expect(rowOf(page, reply).getByRole('link', { name: `comment ${parent} by Rosa` })).toHaveAttribute(
    'href',
    `/posts/${post.slug}#comment-${parent}`,
  );
  // A reply's dry run is a comment's: its post's comments, wherever they are shown.
  await expect(rowOf(page, reply).getByRole('button', { name: 'Approve' })).toHaveAccessibleDescription(
    new RegExp(
      `^Approving (rebuilds .+ — (they show|it shows) this post's comments|invalidates post:${post.id}:comments,)`,
    ),
  );
  await rowOf(page, reply).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText(`invalidated post:${post.id}:comments.`);

  // The parent hidden: its page shows "This comment was removed." above the reply, so deleting it
  // changes that page, and the dry run says so.
  await setStatus(parent, 'spam');
  await warmAll(http, [`/posts/${post.slug}`]);
  await page.goto(`${server.base}/admin/comments?status=spam&post=${post.id}`);
  const hiddenParent = rowOf(page, `Queue parent ${stamp}`);
  await expect(hiddenParent.getByRole('button', { name: 'Delete' })).toHaveAccessibleDescription(
    new RegExp(`^Deleting rebuilds .*/posts/${post.slug}.* — (they show|it shows) this post's comments`),
  );
  await hiddenParent.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toHaveText(`Deleted comment ${parent}: invalidated post:${post.id}:comments.`);
  await page.goto(`${server.base}/admin/comments?status=published&post=${post.id}`);
  await expect(rowOf(page, reply)).toContainText('A reply to a comment that was deleted.');
});
