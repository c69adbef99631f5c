import type { Browser, Page } from '@playwright/test';
import { picture } from '../support/images';
import { expect, test } from './support/fixtures';
import { get, OwnSite, type SiteServer } from './support/site';

/*
 * A blogger's own blog from its first start: the owner set up in the browser from the line the
 * server prints, an invited author who writes but, when the owner asks for review, cannot publish
 * or manage people, and sessions that can be listed and ended. No ADMIN_PASSWORD anywhere.
 */

const site = new OwnSite();
let server: SiteServer;
let setupLine: string;

const OWNER = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'a quiet harbour at dawn' };
const AUTHOR = { name: 'Arthur Author', email: 'arthur@example.com', password: 'lanterns over the river' };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('accounts');
  // Each browser of these tests comes from an address of its own (X-Forwarded-For from the
  // loopback), as people do: logins are limited to five a minute per client.
  server = await site.start({ TRUST_PROXY: 'loopback' });
  await expect.poll(() => /Set up your blog: (\S+)/.exec(server.output())?.[1]).toBeTruthy();
  setupLine = /Set up your blog: (\S+)/.exec(server.output())![1]!;
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

/** The printed address, on the server the test reaches (it prints the site's own address). */
const onServer = (printed: string) => {
  const url = new URL(printed);
  return `${server.base}${url.pathname}${url.search}`;
};

async function fillAccount(page: Page, person: { name: string; email?: string; password: string }) {
  await page.getByLabel('Name').fill(person.name);
  if (person.email !== undefined) await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
}

async function logIn(page: Page, person: { email: string; password: string }) {
  await page.goto(`${server.base}/admin/login`);
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Admin' });

test('the first start prints a one-time setup address; the owner signs up in the browser, and the address is then dead', async ({
  page,
}) => {
  expect(setupLine).toMatch(/^http:\/\/localhost:\d+\/admin\/setup\?token=[\w-]{32}$/);
  // Before setup nobody can log in, and the login page says where the address is.
  await page.goto(`${server.base}/admin`);
  await expect(page.getByRole('heading', { name: 'The blog is not set up yet' })).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveCount(0);
  await page.goto(`${server.base}/admin/setup?token=not-the-token`);
  await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();

  await page.goto(onServer(setupLine));
  await expect(page.getByRole('heading', { name: 'Set up your blog' })).toBeVisible();
  // A common password is refused beside its field, and what was typed stays.
  await fillAccount(page, { ...OWNER, password: 'password123456' });
  await page.getByRole('button', { name: 'Create the owner’s account' }).click();
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/most common ones/);
  await expect(page.getByLabel('Name')).toHaveValue(OWNER.name);
  await expect(page.getByLabel('E-mail')).toHaveValue(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create the owner’s account' }).click();

  // Signed in at once, as the owner.
  await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: 'People' })).toBeVisible();
  const [stored] = await site.sql<{ role: string; password_hash: string }[]>`
    select role, password_hash from users where email = ${OWNER.email}`;
  expect(stored?.role).toBe('owner');
  expect(stored?.password_hash).toMatch(/^scrypt\$/);

  // The address is dead, in this browser and any other.
  await page.goto(onServer(setupLine));
  await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveCount(0);

  // And a server started now prints no new one.
  const second = await site.start();
  try {
    expect(second.output()).toContain('[freshpress] ready on');
    expect(second.output()).not.toContain('Set up your blog');
  } finally {
    await second.stop();
  }
});

let browsers = 0;
const newBrowser = async (browser: Browser) =>
  (await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': `198.51.100.${++browsers}` } })).newPage();

async function ownerPage(browser: Browser): Promise<Page> {
  const page = await newBrowser(browser);
  await logIn(page, OWNER);
  return page;
}

test('an invited author writes, but with review required cannot publish, touch others’ posts or manage people; an editor publishes with the byline', async ({
  browser,
}) => {
  const owner = await ownerPage(browser);
  await nav(owner).getByRole('link', { name: 'People' }).click();
  await owner.getByLabel('Their e-mail').fill(AUTHOR.email);
  await owner.getByLabel('Role').selectOption('author');
  await owner.getByRole('button', { name: 'Make an invitation link' }).click();
  const invitation = await owner.getByLabel('Invitation link').inputValue();
  expect(invitation).toMatch(/\/admin\/join\?token=[\w-]{32}$/);
  await owner.getByLabel('Authors need an editor to publish').check();
  await owner.getByRole('button', { name: 'Save' }).click();
  await expect(owner.getByText('Authors now need an editor to publish.')).toBeVisible();

  const author = await newBrowser(browser);
  await author.goto(onServer(invitation));
  await expect(author.getByRole('heading', { name: 'Join the blog' })).toBeVisible();
  // The address is the invitation's own.
  await expect(author.getByLabel('E-mail')).toHaveValue(AUTHOR.email);
  await fillAccount(author, { name: AUTHOR.name, password: AUTHOR.password });
  await author.getByRole('button', { name: 'Create my account' }).click();
  await expect(author.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
  // No people and no moderation for an author, in the menu or by address.
  await expect(nav(author).getByRole('link', { name: 'Posts' })).toBeVisible();
  await expect(nav(author).getByRole('link', { name: 'People' })).toHaveCount(0);
  await expect(nav(author).getByRole('link', { name: /Pending comments/ })).toHaveCount(0);
  for (const path of ['/admin/people', '/admin/comments']) {
    const response = await author.goto(`${server.base}${path}`);
    expect(response?.status(), path).toBe(403);
    await expect(author.getByRole('heading', { name: 'Not for your role' })).toBeVisible();
  }
  // The invitation is used up.
  await author.goto(onServer(invitation));
  await expect(author.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();

  // Publishing is refused beside the Status field; a draft is saved.
  const slug = `by-an-author-${Date.now().toString(36)}`;
  await author.goto(`${server.base}/admin/posts/new`);
  await expect(author.getByRole('note')).toContainText('an editor will publish it');
  await author.getByLabel('Title', { exact: true }).fill('Written by an invited author');
  await author.getByLabel('Slug').fill(slug);
  await author.getByLabel('Body (Markdown)').fill('A first post, **for review**.');
  // With an image of the author's own, uploaded in the editor.
  await author
    .getByLabel('Image')
    .setInputFiles({ name: 'lighthouse.jpg', mimeType: 'image/jpeg', buffer: await picture('jpeg', 1400, 900) });
  await author.getByRole('button', { name: 'Upload image' }).click();
  await expect(author.getByText('was added at the end of the body')).toBeVisible();
  const body = await author.getByLabel('Body (Markdown)').inputValue();
  expect(body).toMatch(
    /^A first post, \*\*for review\*\*\.\n\n!\[lighthouse\]\(\/media\/[0-9a-f]{64}\/1400x900\.jpg\)\n$/,
  );
  const [uploaded] = await site.sql<{ name: string }[]>`
    select u.name from media m join users u on u.id = m.uploaded_by order by m.created_at desc limit 1`;
  expect(uploaded?.name).toBe(AUTHOR.name);
  await author.getByLabel('Status').selectOption({ label: 'Published' });
  await author.getByRole('button', { name: 'Save' }).click();
  await expect(author.getByLabel('Status')).toHaveAccessibleDescription(/an editor will publish it/);
  await expect(author.getByLabel('Body (Markdown)')).toHaveValue(body);
  let [row] = await site.sql<{ n: number }[]>`select count(*)::int as n from posts where slug = ${slug}`;
  expect(row?.n).toBe(0);
  await author.getByLabel('Status').selectOption({ label: 'Draft' });
  await author.getByRole('button', { name: 'Save' }).click();
  await expect(author.getByText('Saved.')).toBeVisible();
  const [post] = await site.sql<{ id: number; status: string; author: string }[]>`
    select p.id, p.status, u.name as author from posts p join users u on u.id = p.author_id where p.slug = ${slug}`;
  expect(post).toMatchObject({ status: 'draft', author: AUTHOR.name });

  // The author's list holds their own posts only; another's post is not theirs to open.
  await nav(author).getByRole('link', { name: 'Posts' }).click();
  await expect(author.getByRole('table').getByRole('row')).toHaveCount(2);
  const [seeded] = await site.sql<{ id: number }[]>`select id from posts where author_id is null order by id limit 1`;
  expect((await author.goto(`${server.base}/admin/posts/${seeded!.id}/edit`))?.status()).toBe(403);
  expect((await author.goto(`${server.base}/admin/posts/${seeded!.id}/preview`))?.status()).toBe(403);

  // The owner publishes it; the page and the feed name its author.
  await owner.goto(`${server.base}/admin/posts/${post!.id}/edit`);
  await owner.getByLabel('Status').selectOption({ label: 'Published' });
  await owner.getByRole('button', { name: 'Save' }).click();
  await expect(owner.getByText('Saved.')).toBeVisible();
  const page = await get(server.base, `/posts/${slug}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain(`by ${AUTHOR.name}`);
  expect(page.html).toContain(`"author":{"@type":"Person","name":"${AUTHOR.name}"}`);
  const img = page.html.match(/<img [^>]*src="(\/media\/[0-9a-f]{64}\/1400x900\.jpg)"[^>]*>/);
  expect(img, 'the post shows the author’s image').not.toBeNull();
  expect(img![0]).toMatch(/srcset="[^"]*\/320w\.jpg 320w, [^"]*\/1280w\.jpg 1280w, [^"]*1400x900\.jpg 1400w"/);
  const image = await fetch(`${server.base}${img![1]}`);
  expect(image.status).toBe(200);
  expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(image.headers.get('content-type')).toBe('image/jpeg');
  const feed = await get(server.base, '/feed.xml');
  expect(feed.html).toContain(`<dc:creator>${AUTHOR.name}</dc:creator>`);

  // Published, under review: the author can no longer change it.
  await author.goto(`${server.base}/admin/posts/${post!.id}/edit`);
  await expect(author.getByRole('note')).toContainText('an editor changes published posts');
  await author.getByLabel('Title', { exact: true }).fill('Changed by its author after publication');
  await author.getByRole('button', { name: 'Save' }).click();
  await expect(author.getByText('an editor changes published posts').last()).toBeVisible();
  [row] = await site.sql<
    { n: number }[]
  >`select count(*)::int as n from posts where title like 'Changed by its author%'`;
  expect(row?.n).toBe(0);
  await author.context().close();
  await owner.context().close();
});

test('a person lists their sessions and ends another browser’s; the owner removes a person, who is signed out at their next click', async ({
  browser,
}) => {
  const laptop = await ownerPage(browser);
  const phone = await ownerPage(browser);
  await laptop.goto(`${server.base}/admin/account`);
  const sessions = laptop.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await expect(sessions.filter({ hasText: '(this browser)' })).toHaveCount(1);
  expect(await sessions.count()).toBeGreaterThanOrEqual(2);
  await laptop.getByRole('button', { name: 'End every other session' }).click();
  await expect(laptop.getByText(/other sessions? ended/)).toBeVisible();
  await laptop.reload();
  await expect(sessions).toHaveCount(1);
  // The phone is signed out at its next request.
  await phone.goto(`${server.base}/admin/posts`);
  await expect(phone).toHaveURL(`${server.base}/admin/login`);

  const author = await newBrowser(browser);
  await logIn(author, AUTHOR);
  await laptop.goto(`${server.base}/admin/people`);
  await laptop.getByRole('row', { name: AUTHOR.name }).getByRole('button', { name: 'Remove' }).click();
  await expect(laptop.getByText('The person was removed and signed out everywhere.')).toBeVisible();
  await author.goto(`${server.base}/admin/posts`);
  await expect(author).toHaveURL(`${server.base}/admin/login`);
  await author.getByLabel('E-mail').fill(AUTHOR.email);
  await author.getByLabel('Password').fill(AUTHOR.password);
  await author.getByRole('button', { name: 'Log in' }).click();
  await expect(author.getByText('That e-mail address and password do not match.')).toBeVisible();
  // Their post keeps its byline.
  expect((await get(server.base, '/feed.xml')).html).toContain(`<dc:creator>${AUTHOR.name}</dc:creator>`);
  await Promise.all([laptop, phone, author].map((page) => page.context().close()));
});
