import { request as requests, type APIRequestContext, type Page as BrowserPage } from '@playwright/test';
import { createClient } from 'redis';
import { slotPrefix } from '@/lib/core/redis-keys';
import { testRedisUrl } from '../support/redis';
import { uniqueComment } from './support/comment-form';
import {
  expect,
  expectRebuilt,
  expectUntouched,
  pickUnrelatedTag,
  snapshot,
  test,
  warmAll,
  type PostRef,
} from './support/fixtures';
import { actionFormsOf, readAnswer } from './support/form-post';
import { get, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * Replies on a site of this file's own: two servers on one database and one Redis, so a reply
 * posted through one is read through the other. Server `a` publishes comments at once; server `b`
 * holds them for moderation (a per-process setting), for the held reply.
 */

const site = new OwnSite();
let a: SiteServer;
let b: SiteServer;
let api: APIRequestContext;

test.beforeAll(async () => {
  await site.open('replies');
  [a, b] = await Promise.all([site.start(), site.start({ COMMENT_MODERATION: 'manual' })]);
  api = await requests.newContext({ baseURL: a.base });
});

test.afterAll(async () => {
  await api?.dispose();
  await Promise.all([a?.stop(), b?.stop()]);
  await site.close();
});

interface Stored {
  id: number;
  postId: number;
  parentId: number | null;
  status: string;
}

/** A comment (or, with `parentId`, a reply) through the admin API, as imports add them. */
async function addComment(
  base: string,
  postId: number,
  body: string,
  options: { parentId?: unknown; name?: string } = {},
): Promise<Response> {
  return fetch(`${base}/api/admin/comments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({
      postId,
      ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
      authorName: options.name ?? 'Reader',
      authorEmail: 'reader@example.com',
      body,
    }),
  });
}

async function stored(base: string, postId: number, body: string, options: { parentId?: number; name?: string } = {}) {
  const response = await addComment(base, postId, body, options);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Stored;
}

async function admin(method: 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<{ invalidated: string[] }> {
  const response = await fetch(`${a.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { invalidated: string[] };
}

async function rowsByEmail(email: string) {
  return site.sql<{ id: number; parent_id: number | null; status: string }[]>`
    select id, parent_id, status::text from comments where author_email = ${email} order by id`;
}

const token = (label: string) => `${label}-${Date.now().toString(36)}`;
const postPath = (post: PostRef) => `/posts/${post.slug}`;
const replyPage = (post: PostRef, id: number) => `/posts/${post.slug}/reply/${id}`;

/** The comment with this id, wherever it is in the thread. */
const commentItem = (page: BrowserPage, id: number) => page.locator(`[id="comment-${id}"]`);
/** The replies shown nested under comment `id`, by `name`. */
const repliesTo = (page: BrowserPage, id: number, name: string) =>
  commentItem(page, id).getByRole('list', { name: `Replies to ${name}` });

test('with JavaScript, Reply opens the form under the comment; the reply shows nested at once, on the next response and through the other server', async ({
  page,
}) => {
  const post = (await site.publishedNewestFirst())[3]!;
  const parent = await stored(a.base, post.id, token('a question'), { name: 'Quinn' });
  const reply = uniqueComment('js-reply');

  await page.goto(`${a.base}${postPath(post)}`);
  await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));
  const control = commentItem(page, parent.id).getByRole('link', { name: 'Reply to Quinn' });
  await expect(control).toHaveAttribute('href', replyPage(post, parent.id));
  await expect(control).toHaveAttribute('rel', 'nofollow');
  await control.click();

  const form = commentItem(page, parent.id).getByRole('region', { name: 'Reply to Quinn' });
  await expect(form).toBeVisible();
  await expect(control).toHaveAttribute('aria-expanded', 'true');
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  await form.getByLabel('Name', { exact: true }).fill(reply.name);
  await form.getByLabel('E-mail', { exact: true }).fill(reply.email);
  await form.getByLabel('Reply', { exact: true }).fill(reply.body);
  await form.getByRole('button', { name: 'Post reply' }).click();

  const nested = repliesTo(page, parent.id, 'Quinn').getByTestId('comment').filter({ hasText: reply.token });
  await expect(nested).toBeVisible();
  await expect(form).toHaveCount(0);
  await expect(commentItem(page, parent.id).getByRole('status')).toHaveText('Thank you — your reply is published.');
  const [row] = await rowsByEmail(reply.email);
  expect(row).toEqual({ id: expect.any(Number), parent_id: parent.id, status: 'published' });
  await expect(commentItem(page, row!.id).getByRole('article')).toBeFocused();
  // The same document: no navigation to the reply page, no reload.
  expect(page.url()).toBe(`${a.base}${postPath(post)}`);
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);

  await page.reload();
  await expect(
    repliesTo(page, parent.id, 'Quinn').getByTestId('comment').filter({ hasText: reply.token }),
  ).toBeVisible();
  await page.goto(`${b.base}${postPath(post)}`);
  await expect(
    repliesTo(page, parent.id, 'Quinn').getByTestId('comment').filter({ hasText: reply.token }),
  ).toBeVisible();
});

test('the inline form closes with Cancel or Escape, giving the focus back to Reply; one opens at a time', async ({
  page,
}) => {
  const post = (await site.publishedNewestFirst())[4]!;
  const first = await stored(a.base, post.id, token('first'), { name: 'Fern' });
  const second = await stored(a.base, post.id, token('second'), { name: 'Gus' });
  await page.goto(`${a.base}${postPath(post)}`);
  const replyToFern = commentItem(page, first.id).getByRole('link', { name: 'Reply to Fern' });
  const replyToGus = commentItem(page, second.id).getByRole('link', { name: 'Reply to Gus' });

  await replyToFern.click();
  const fernForm = page.getByRole('region', { name: 'Reply to Fern' });
  await fernForm.getByRole('button', { name: 'Cancel' }).click();
  await expect(fernForm).toHaveCount(0);
  await expect(replyToFern).toBeFocused();
  await expect(replyToFern).toHaveAttribute('aria-expanded', 'false');

  await replyToFern.press('Enter');
  await expect(fernForm.getByLabel('Name', { exact: true })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(fernForm).toHaveCount(0);
  await expect(replyToFern).toBeFocused();

  await replyToFern.click();
  await replyToGus.click();
  await expect(page.getByRole('region', { name: 'Reply to Gus' })).toBeVisible();
  await expect(fernForm).toHaveCount(0);
  // The page's own comment form is still there, and still the only form of the page's HTML that posts
  // (the header's search box is a GET form).
  await expect(page.getByRole('region', { name: 'Leave a comment' })).toBeVisible();
  expect(actionFormsOf((await get(a.base, postPath(post))).html)).toHaveLength(1);
});

test('without JavaScript, Reply leads to a page with the form; the reply shows nested in the response and on the post page through the other server', async ({
  browser,
}) => {
  const post = (await site.publishedNewestFirst())[5]!;
  const parent = await stored(a.base, post.id, token('no script question'), { name: 'Nora' });
  const earlier = await stored(a.base, post.id, token('an earlier reply'), { parentId: parent.id, name: 'Olga' });
  const reply = uniqueComment('nojs-reply');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${a.base}${postPath(post)}`);
    await commentItem(page, parent.id).getByRole('link', { name: 'Reply to Nora' }).click();
    await expect(page).toHaveURL(`${a.base}${replyPage(post, parent.id)}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Reply to Nora' })).toBeVisible();
    await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', 'noindex, nofollow');
    // The comment answered, with the replies it has, and the form with its parent set.
    await expect(commentItem(page, parent.id)).toContainText('no script question');
    await expect(repliesTo(page, parent.id, 'Nora').getByTestId('comment')).toHaveText([/an earlier reply/]);
    await expect(commentItem(page, earlier.id).getByRole('link', { name: 'Reply to Olga' })).toBeVisible();
    const form = page.getByRole('region', { name: 'Your reply' });
    await expect(form.locator('input[type="hidden"][name="parent"]')).toHaveValue(String(parent.id));

    await form.getByLabel('Name', { exact: true }).fill(reply.name);
    await form.getByLabel('E-mail', { exact: true }).fill(reply.email);
    await form.getByLabel('Reply', { exact: true }).fill(reply.body);
    await form.getByRole('button', { name: 'Post reply' }).click();

    await expect(form.getByRole('status')).toContainText('your reply is published');
    const [row] = await rowsByEmail(reply.email);
    expect(row).toEqual({ id: expect.any(Number), parent_id: parent.id, status: 'published' });
    await expect(repliesTo(page, parent.id, 'Nora').getByTestId('comment')).toHaveText([
      /an earlier reply/,
      new RegExp(reply.token),
    ]);
    await expect(form.getByRole('link', { name: 'See it' })).toHaveAttribute('href', `#comment-${row!.id}`);
    await expect(form.getByLabel('Name', { exact: true })).toHaveValue(reply.name);
    await expect(form.getByLabel('Reply', { exact: true })).toHaveValue('');

    await page.goto(`${b.base}${postPath(post)}`);
    await expect(repliesTo(page, parent.id, 'Nora').getByTestId('comment')).toHaveText([
      /an earlier reply/,
      new RegExp(reply.token),
    ]);
  } finally {
    await context.close();
  }
});

test('a held reply is shown to its author alone, marked, with JavaScript and without', async ({ page, browser }) => {
  const post = (await site.publishedNewestFirst())[6]!;
  const parent = await stored(a.base, post.id, token('held question'), { name: 'Hana' });

  const withScript = uniqueComment('held-js');
  await page.goto(`${b.base}${postPath(post)}`);
  await commentItem(page, parent.id).getByRole('link', { name: 'Reply to Hana' }).click();
  const form = page.getByRole('region', { name: 'Reply to Hana' });
  await form.getByLabel('Name', { exact: true }).fill(withScript.name);
  await form.getByLabel('E-mail', { exact: true }).fill(withScript.email);
  await form.getByLabel('Reply', { exact: true }).fill(withScript.body);
  await form.getByRole('button', { name: 'Post reply' }).click();
  await expect(commentItem(page, parent.id).getByRole('status')).toBeFocused();
  await expect(commentItem(page, parent.id).getByRole('status')).toHaveText(
    'Thank you — your reply will appear once a moderator has approved it.',
  );
  const held = page.getByTestId('held-comment').filter({ hasText: withScript.token });
  await expect(held).toContainText('Awaiting moderation — only you can see this');
  await expect(held.getByRole('link', { name: 'an earlier comment' })).toHaveAttribute('href', `#comment-${parent.id}`);
  expect(await rowsByEmail(withScript.email)).toEqual([
    { id: expect.any(Number), parent_id: parent.id, status: 'pending' },
  ]);

  const withoutScript = uniqueComment('held-nojs');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const bare = await context.newPage();
  try {
    await bare.goto(`${b.base}${replyPage(post, parent.id)}`);
    const replyForm = bare.getByRole('region', { name: 'Your reply' });
    await replyForm.getByLabel('Name', { exact: true }).fill(withoutScript.name);
    await replyForm.getByLabel('E-mail', { exact: true }).fill(withoutScript.email);
    await replyForm.getByLabel('Reply', { exact: true }).fill(withoutScript.body);
    await replyForm.getByRole('button', { name: 'Post reply' }).click();
    await expect(replyForm.getByRole('status')).toHaveText(
      'Thank you — your reply will appear once a moderator has approved it.',
    );
    await expect(bare.getByTestId('held-comment').filter({ hasText: withoutScript.token })).toContainText(
      'Awaiting moderation',
    );
    await expect(bare.getByTestId('comment').filter({ hasText: withoutScript.token })).toHaveCount(0);
  } finally {
    await context.close();
  }
  const stranger = await get(a.base, postPath(post));
  expect(stranger.html).not.toContain(withScript.token);
  expect(stranger.html).not.toContain(withoutScript.token);
});

test('a reply to a comment that is not published is refused with a message beside the form and nothing stored; its reply page is a 404', async ({
  page,
}) => {
  const [, , , , , , , post, other] = await site.publishedNewestFirst();
  const open = await stored(a.base, post!.id, token('open to replies'), { name: 'Ivy' });
  const pending = await stored(b.base, post!.id, token('pending'));
  expect(pending.status).toBe('pending');
  const spam = await stored(a.base, post!.id, token('spam'));
  await admin('PATCH', `/api/admin/comments/${spam.id}`, { status: 'spam' });
  const deleted = await stored(a.base, post!.id, token('deleted'));
  await admin('DELETE', `/api/admin/comments/${deleted.id}`);
  const elsewhere = await stored(a.base, other!.id, token('on another post'));

  // The reply pages: only a published comment of this post has one.
  expect((await get(a.base, replyPage(post!, open.id))).status).toBe(200);
  for (const id of [pending.id, spam.id, deleted.id, elsewhere.id, 2_000_000_000]) {
    expect((await get(a.base, replyPage(post!, id))).status, `reply page of ${id}`).toBe(404);
  }
  for (const bad of ['0', '-1', 'abc', '1e3', '2147483648', '99999999999999999999', 'a%00b']) {
    expect((await get(a.base, `${postPath(post!)}/reply/${bad}`)).status, bad).toBe(404);
  }
  expect((await get(a.base, `/posts/no-such-post/reply/${open.id}`)).status).toBe(404);

  // A forged form: the reply page's own fields, with another parent.
  const fields = actionFormsOf((await get(a.base, replyPage(post!, open.id))).html)[0]!;
  expect(fields.get('parent')).toBe(String(open.id));
  for (const parent of [pending.id, spam.id, deleted.id, elsewhere.id, 'abc', '2147483648']) {
    const sent = uniqueComment('forged-parent');
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, name === 'parent' ? String(parent) : value);
    data.append('name', sent.name);
    data.append('email', sent.email);
    data.append('body', sent.body);
    const response = await fetch(`${a.base}${replyPage(post!, open.id)}`, {
      method: 'POST',
      body: data,
      headers: { connection: 'close' },
    });
    const answer = readAnswer(response.status, await response.text());
    expect(answer.status, `parent ${parent}`).toBe(200);
    expect(answer.message, `parent ${parent}`).toContain('That comment cannot be answered');
    expect(answer.bodyField).toBe(sent.body);
    expect(await rowsByEmail(sent.email), `parent ${parent}`).toEqual([]);
  }

  // The admin API: a 422 with a sentence, never a 5xx, and nothing stored.
  const before = await site.sql<{ n: number }[]>`select count(*)::int as n from comments`;
  for (const parentId of [pending.id, spam.id, deleted.id, elsewhere.id, 2_147_483_647]) {
    const response = await addComment(a.base, post!.id, token('api reply'), { parentId });
    expect(response.status, `parentId ${parentId}`).toBe(422);
    expect(await response.json()).toEqual({
      error: 'parentId names no published comment of this post.',
      fields: { parentId: ['parentId names no published comment of this post.'] },
    });
  }
  for (const parentId of [0, -1, 1.5, 2_147_483_648, 'abc', [open.id], { id: open.id }]) {
    expect(
      (await addComment(a.base, post!.id, token('api reply'), { parentId })).status,
      JSON.stringify(parentId),
    ).toBe(422);
  }
  expect(await site.sql<{ n: number }[]>`select count(*)::int as n from comments`).toEqual(before);

  // The reader's own case: the comment is removed while the reply is being written.
  const doomed = await stored(a.base, post!.id, token('removed while answered'), { name: 'Jude' });
  const late = uniqueComment('too-late');
  await page.goto(`${a.base}${postPath(post!)}`);
  await commentItem(page, doomed.id).getByRole('link', { name: 'Reply to Jude' }).click();
  const form = page.getByRole('region', { name: 'Reply to Jude' });
  await form.getByLabel('Name', { exact: true }).fill(late.name);
  await form.getByLabel('E-mail', { exact: true }).fill(late.email);
  await form.getByLabel('Reply', { exact: true }).fill(late.body);
  await admin('DELETE', `/api/admin/comments/${doomed.id}`);
  await form.getByRole('button', { name: 'Post reply' }).click();
  await expect(form.getByRole('status')).toContainText('That comment cannot be answered');
  await expect(form.getByLabel('Reply', { exact: true })).toHaveValue(late.body);
  expect(await rowsByEmail(late.email)).toEqual([]);
});

test('deleting a comment with replies keeps them readable: under a placeholder while it is hidden, marked once it is gone', async ({
  page,
}) => {
  const post = (await site.publishedNewestFirst())[9]!;
  const top = await stored(a.base, post.id, token('the comment to go'), { name: 'Kim' });
  const reply = await stored(a.base, post.id, token('a reply that stays'), { parentId: top.id, name: 'Lee' });
  const deeper = await stored(a.base, post.id, token('a reply to the reply'), { parentId: reply.id, name: 'Max' });
  await page.goto(`${a.base}${postPath(post)}`);
  await expect(repliesTo(page, top.id, 'Kim').getByTestId('comment').first()).toContainText('a reply that stays');

  // Hidden (spam): the thread keeps its shape around a placeholder that says nothing of it.
  expect((await admin('PATCH', `/api/admin/comments/${top.id}`, { status: 'spam' })).invalidated).toEqual([
    `post:${post.id}:comments`,
  ]);
  await page.reload();
  const placeholder = page.getByTestId('removed-comment');
  await expect(placeholder).toHaveCount(1);
  await expect(placeholder.getByText('This comment was removed.')).toBeVisible();
  await expect(placeholder).not.toContainText('the comment to go');
  await expect(
    placeholder.getByRole('list', { name: 'Replies to a removed comment' }).getByTestId('comment').first(),
  ).toContainText('a reply that stays');
  await expect(repliesTo(page, reply.id, 'Lee').getByTestId('comment')).toContainText('a reply to the reply');

  // Deleted: the placeholder stood for a comment that is gone, so the page changes again.
  expect((await admin('DELETE', `/api/admin/comments/${top.id}`)).invalidated).toEqual([`post:${post.id}:comments`]);
  await page.reload();
  await expect(page.getByTestId('removed-comment')).toHaveCount(0);
  const orphan = commentItem(page, reply.id);
  await expect(orphan.getByRole('article').first()).toContainText('in reply to a comment that was removed');
  await expect(orphan.getByRole('article').first()).toContainText('a reply that stays');
  await expect(repliesTo(page, reply.id, 'Lee').getByTestId('comment')).toHaveText(/a reply to the reply/);
  await expect(commentItem(page, deeper.id)).toBeVisible();
});

test('a reply rebuilds exactly what a comment does: its post, the homepage and its tag pages (whose counts include it); the feed, page 2, other tag pages and posts stay cached; held, nothing', async () => {
  const posts = await site.publishedNewestFirst();
  const target = posts[1]!;
  const unrelatedTag = pickUnrelatedTag(posts, target);
  const unrelatedPost = posts.find((p, i) => i > 30 && !p.tags.some((name) => target.tags.includes(name)))!;
  const parent = await stored(a.base, target.id, token('to be answered'), { name: 'Nia' });
  const paths = [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    ...target.tags.map((name) => `/tags/${name}`),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ];
  const before = await warmAll(api, paths);
  const count = (html: string) =>
    Number(html.match(new RegExp(`href="/posts/${target.slug}#comments"[^>]*>(\\d+) comments?<`))?.[1]);
  const countBefore = count(before.get('/')!.html);
  expect(countBefore).toBeGreaterThan(0);

  // Held for moderation (server b): no page shows it, none is rebuilt.
  await stored(b.base, target.id, token('held reply'), { parentId: parent.id });
  await expectUntouched(api, before, paths);

  const body = token('published reply');
  const reply = await stored(a.base, target.id, body, { parentId: parent.id });
  expect(reply.parentId).toBe(parent.id);
  const postPage = await expectRebuilt(api, before, postPath(target));
  expect(postPage.html).toContain(body);
  expect(postPage.html).toContain(`>${countBefore + 1} comments<`);
  for (const path of ['/', ...target.tags.map((name) => `/tags/${name}`)]) {
    const now = await expectRebuilt(api, before, path);
    expect(count(now.html), `${path} counts the reply`).toBe(countBefore + 1);
  }
  await expectUntouched(api, before, ['/feed.xml', '/page/2', `/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
  const [event] = await site.sql<{ tags: string[]; description: string }[]>`
    select tags, event->>'description' as description from invalidations order by id desc limit 1`;
  expect(event).toEqual({
    tags: [`post:${target.id}:comments`],
    description: `comment ${reply.id} (a reply to comment ${parent.id}) published on post ${target.id}`,
  });
});

test('reply pages are rendered per request and keep nothing in the page cache, whatever the comment id', async () => {
  const post = (await site.publishedNewestFirst())[10]!;
  const comment = await stored(a.base, post.id, token('answer me'));
  expect((await get(a.base, postPath(post))).status).toBe(200);
  for (let i = 0; i < 3; i += 1) {
    const page = await snapshot(api, replyPage(post, comment.id));
    expect(page.status).toBe(200);
    expect(page.cache, 'not an ISR page').toBeNull();
  }
  expect((await fetch(`${a.base}${replyPage(post, comment.id)}`)).headers.get('cache-control')).toMatch(/no-store/);
  for (let id = 1; id <= 40; id += 1) expect((await get(a.base, replyPage(post, 1_000_000 + id))).status).toBe(404);

  // Each entry of the shared cache holds the key it was stored under (lib/page-cache/store.ts).
  const redis = createClient({ url: testRedisUrl });
  await redis.connect();
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({
      MATCH: `${slotPrefix(`${site.prefix}:cache`)}:b:*:e:*`,
      COUNT: 1000,
    }))
      keys.push(...batch);
    expect(keys.length, 'the site has cached pages').toBeGreaterThan(10);
    // The second line of an entry is `{tags, key}`; the page's path ends its key.
    const storedKeys = (await redis.mGet(keys)).map((value) => {
      const meta: unknown = JSON.parse(value?.split('\n')[1] ?? '{}');
      return typeof meta === 'object' && meta !== null && 'key' in meta ? String(meta.key) : '';
    });
    expect(
      storedKeys.filter((key) => key.endsWith(`/$${postPath(post)}`)),
      'the post page is cached',
    ).toHaveLength(1);
    expect(
      storedKeys.filter((key) => key.includes('/reply/')),
      'entries of reply pages',
    ).toEqual([]);
  } finally {
    await redis.quit();
  }
  expect((await (await fetch(`${a.base}/robots.txt`)).text()).split('\n')).toContain('Disallow: /posts/*/reply/');
});
