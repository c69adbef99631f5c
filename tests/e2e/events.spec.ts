import { request as requests, type APIRequestContext } from '@playwright/test';
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
import { OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';
import { relatedTagsFrom } from '@/lib/core/cache-tags';

/*
 * Every event of the README's table "event → pages rebuilt", written through the admin API of a
 * server of this file's own (its own database copy and Redis prefix), so these writes move no page
 * under another suite. Each test warms the pages the event should rebuild and some it should not,
 * makes the change, then reads every page once more: a new render marker means rebuilt, the same
 * marker with a HIT means left in the cache. One server for the file, with comments held for
 * moderation, since approval needs it and no other event depends on the setting.
 */

const site = new OwnSite();
let server: SiteServer;
let api: APIRequestContext;

test.beforeAll(async () => {
  await site.open('events');
  server = await site.start({ COMMENT_MODERATION: 'manual' });
  api = await requests.newContext({ baseURL: server.base });
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

/** A comment sent with moderation on: stored as pending, shown nowhere. */
async function pendingComment(postId: number, body: string): Promise<number> {
  const response = await api.post('/api/admin/comments', {
    headers: admin,
    data: { postId, authorName: 'Reader', authorEmail: 'reader@example.com', body },
  });
  expect(response.status(), await response.text()).toBe(201);
  const stored = await response.json();
  expect(stored.status).toBe('pending');
  return stored.id;
}

async function moderate(id: number, status: 'published' | 'spam'): Promise<void> {
  const response = await api.patch(`/api/admin/comments/${id}`, { headers: admin, data: { status } });
  expect(response.status(), await response.text()).toBe(200);
}

async function publishedComment(postId: number, body: string): Promise<number> {
  const id = await pendingComment(postId, body);
  await moderate(id, 'published');
  return id;
}

const token = (label: string) => `${label}-${Date.now().toString(36)}`;
const postPath = (post: PostRef) => `/posts/${post.slug}`;
const tagPaths = (post: PostRef) => post.tags.map((name) => `/tags/${name}`);
/** Whether a page (HTML or the feed) links the post. */
const lists = (html: string, post: PostRef) => new RegExp(`/posts/${post.slug}["#<]`).test(html);
/** The number of posts a tag page says it has. */
function taggedCount(html: string): number {
  const count = html.match(/class="list-count">(\d+) posts?/)?.[1];
  expect(count, 'a tag page states how many posts carry the tag').toBeDefined();
  return Number(count);
}

/** A post far down the list that shares no tag with `post`: nothing `post` does can concern it. */
function unrelatedPostOf(posts: PostRef[], post: PostRef): PostRef {
  const other = posts.find((p, i) => i > 30 && !p.tags.some((name) => post.tags.includes(name)));
  if (!other) throw new Error('no unrelated post in the seed');
  return other;
}

/** A post on the homepage with at least one tag, and the pages that must not notice a change to it. */
async function homepagePost(index: number) {
  const posts = await site.publishedNewestFirst();
  const target = posts[index]!;
  expect(target.tags.length, 'the chosen post has tags').toBeGreaterThan(0);
  return {
    posts,
    target,
    unrelatedTag: pickUnrelatedTag(posts, target),
    unrelatedPost: unrelatedPostOf(posts, target),
  };
}

test('unpublishing a post takes it off its page, the homepage, page 2, the feed and its tag pages; other tag pages and posts stay cached', async () => {
  const { posts, target, unrelatedTag, unrelatedPost } = await homepagePost(2);
  const pulledUp = posts[10]!;
  const before = await warmAll(api, [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    ...tagPaths(target),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ]);

  const invalidated = await changePost(target.id, { status: 'draft' });
  expect(invalidated).toEqual(
    expect.arrayContaining(['posts:list', `post:${target.id}`, ...target.tags.map((name) => `tag:${name}`)]),
  );

  expect((await snapshot(api, postPath(target))).status, 'the post page is gone').toBe(404);
  for (const path of ['/', '/feed.xml', ...tagPaths(target)]) {
    const now = await expectRebuilt(api, before, path);
    expect(lists(now.html, target), `${path} no longer lists the post`).toBe(false);
  }
  for (const path of tagPaths(target)) {
    expect(taggedCount((await snapshot(api, path)).html), `${path} counts one post fewer`).toBe(
      taggedCount(before.get(path)!.html) - 1,
    );
  }
  // Every later post moves up one place: page 2's first post is now on the homepage.
  const page2 = await expectRebuilt(api, before, '/page/2');
  expect(lists(page2.html, pulledUp), 'page 2 no longer starts with the post pulled up').toBe(false);
  await expectUntouched(api, before, [`/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
});

test('re-dating a post moves it to the top of the homepage and the feed: its page, the lists and its tag pages rebuild; other tag pages and posts stay cached', async () => {
  const posts = await site.publishedNewestFirst();
  // On page 4, and on page 1 of none of the lists it will top.
  const target = posts[30]!;
  const unrelatedTag = pickUnrelatedTag(posts, target);
  const unrelatedPost = unrelatedPostOf(posts, target);
  const before = await warmAll(api, [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    ...tagPaths(target),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ]);
  expect(lists(before.get('/')!.html, target), 'not on the homepage before').toBe(false);

  const invalidated = await changePost(target.id, { publishedAt: new Date().toISOString() });
  expect(invalidated).toEqual(
    expect.arrayContaining(['posts:list', `post:${target.id}`, ...target.tags.map((name) => `tag:${name}`)]),
  );

  expect((await site.publishedNewestFirst())[0]!.id, 'now the newest post').toBe(target.id);
  for (const path of ['/', '/feed.xml', ...tagPaths(target)]) {
    const now = await expectRebuilt(api, before, path);
    expect(lists(now.html, target), `${path} lists the post`).toBe(true);
  }
  await expectRebuilt(api, before, postPath(target));
  // Every newer post moves down one place, so page 2 starts with what ended page 1.
  const page2 = await expectRebuilt(api, before, '/page/2');
  expect(lists(page2.html, posts[9]!), 'page 2 takes the post pushed off the homepage').toBe(true);
  await expectUntouched(api, before, [`/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
});

test('retagging a post rebuilds its page, the homepage, the feed, the pages of the tags gained, lost and kept; page 2, other tag pages and posts stay cached', async () => {
  const { posts, target, unrelatedPost } = await homepagePost(2);
  const [lost, ...kept] = target.tags as [string, ...string[]];
  const inUse = [...new Set(posts.flatMap((p) => p.tags))].filter((name) => !target.tags.includes(name));
  const [gained, unrelatedTag] = inUse as [string, string];
  expect(unrelatedTag, 'two tags the post does not carry').toBeDefined();
  const before = await warmAll(api, [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    `/tags/${lost}`,
    `/tags/${gained}`,
    ...kept.map((name) => `/tags/${name}`),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ]);
  expect(lists(before.get(`/tags/${gained}`)!.html, target), 'not on the gained tag page before').toBe(false);

  const invalidated = await changePost(target.id, { tags: [...kept, gained] });
  // Neither the list order nor its membership changed: no posts:list. Other published posts carry
  // both tags, so none came into or went out of use: no tags:in-use (the sitemap's tag pages).
  expect(
    posts.some((p) => p.id !== target.id && p.tags.includes(lost)),
    'another post keeps the lost tag',
  ).toBe(true);
  expect(invalidated.filter((tag) => !tag.startsWith('related:')).sort()).toEqual(
    [`post:${target.id}`, `tag:${gained}`, `tag:${lost}`].sort(),
  );
  // A candidate for the related posts of the later posts of the tag gained, month by month from its own.
  const [row] = await site.sql<{ published_at: Date }[]>`select published_at from posts where id = ${target.id}`;
  expect(invalidated.filter((tag) => tag.startsWith('related:')).sort()).toEqual(
    relatedTagsFrom([gained], row!.published_at).sort(),
  );

  const postPage = await expectRebuilt(api, before, postPath(target));
  expect(postPage.html.includes(`/tags/${gained}"`), 'the post page links the gained tag').toBe(true);
  expect(postPage.html.includes(`/tags/${lost}"`), 'the post page no longer links the lost tag').toBe(false);
  const gainedPage = await expectRebuilt(api, before, `/tags/${gained}`);
  expect(lists(gainedPage.html, target), 'the gained tag page lists the post').toBe(true);
  expect(taggedCount(gainedPage.html), 'and counts it').toBe(taggedCount(before.get(`/tags/${gained}`)!.html) + 1);
  const lostPage = await expectRebuilt(api, before, `/tags/${lost}`);
  expect(lists(lostPage.html, target), 'the lost tag page no longer lists it').toBe(false);
  expect(taggedCount(lostPage.html), 'nor counts it').toBe(taggedCount(before.get(`/tags/${lost}`)!.html) - 1);
  // These show the post with its tags (the feed as <category>): their copy of it changed.
  for (const path of ['/', '/feed.xml', ...kept.map((name) => `/tags/${name}`)]) await expectRebuilt(api, before, path);
  await expectUntouched(api, before, ['/page/2', `/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
});

test('a tag that comes into use by a retag enters the sitemap, and leaves it when its last post drops it', async () => {
  const [target] = await site.publishedNewestFirst();
  const fresh = token('new-tag');
  const entry = `/tags/${fresh}</loc>`;
  // The sitemap's tag pages are in its pages file, which carries no render marker: its content and
  // its cache header tell.
  const sitemap = async () => {
    const response = await api.get('/sitemaps/pages-1.xml');
    expect(response.status()).toBe(200);
    return { xml: await response.text(), cache: response.headers()['x-nextjs-cache'] };
  };
  await sitemap();
  const cached = await sitemap();
  expect(cached.cache, 'the sitemap is served from the page cache').toBe('HIT');
  expect(cached.xml.includes(entry)).toBe(false);

  await changePost(target!.id, { tags: [...target!.tags, fresh] });
  expect((await sitemap()).xml.includes(entry), 'the sitemap lists the new tag page').toBe(true);
  expect((await snapshot(api, `/tags/${fresh}`)).status, 'which answers').toBe(200);
  expect((await sitemap()).cache, 'cached again').toBe('HIT');

  await changePost(target!.id, { tags: target!.tags });
  expect((await sitemap()).xml.includes(entry), 'the sitemap no longer lists it').toBe(false);
  expect((await snapshot(api, `/tags/${fresh}`)).status, 'which is gone').toBe(404);
});

test('a comment held for moderation rebuilds nothing; approving it rebuilds its post, the homepage and its tag pages; the feed, page 2, other tag pages and posts stay cached', async () => {
  const { target, unrelatedTag, unrelatedPost } = await homepagePost(1);
  const all = [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    ...tagPaths(target),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ];
  const before = await warmAll(api, all);
  const countBefore = await site.publishedComments(target.id);

  const body = token('awaiting approval');
  const id = await pendingComment(target.id, body);
  await expectUntouched(api, before, all);

  await moderate(id, 'published');
  const postPage = await expectRebuilt(api, before, postPath(target));
  expect(postPage.html.includes(body), 'the post page shows the approved comment').toBe(true);
  expect(postPage.html.includes(`>${countBefore + 1} comment`), 'and counts it').toBe(true);
  for (const path of ['/', ...tagPaths(target)]) await expectRebuilt(api, before, path);
  await expectUntouched(api, before, ['/feed.xml', '/page/2', `/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
});

/**
 * A published comment taken off its post (removed, or marked spam): the post page and the lists that
 * count the post's comments rebuild; the feed (no counts), page 2 and unrelated pages stay cached.
 */
async function expectTakingDownRebuildsItsPostAndLists(index: number, takeDown: (commentId: number) => Promise<void>) {
  const { target, unrelatedTag, unrelatedPost } = await homepagePost(index);
  const body = token('taken down');
  const id = await publishedComment(target.id, body);
  const before = await warmAll(api, [
    '/',
    '/page/2',
    '/feed.xml',
    postPath(target),
    ...tagPaths(target),
    `/tags/${unrelatedTag}`,
    postPath(unrelatedPost),
  ]);
  expect(before.get(postPath(target))!.html.includes(body)).toBe(true);

  await takeDown(id);

  expect(
    (await expectRebuilt(api, before, postPath(target))).html.includes(body),
    'the comment is gone from the post page',
  ).toBe(false);
  for (const path of ['/', ...tagPaths(target)]) await expectRebuilt(api, before, path);
  await expectUntouched(api, before, ['/feed.xml', '/page/2', `/tags/${unrelatedTag}`, postPath(unrelatedPost)]);
}

test('removing a published comment rebuilds its post, the homepage and its tag pages; the feed, page 2, other tag pages and posts stay cached', async () => {
  await expectTakingDownRebuildsItsPostAndLists(3, async (id) => {
    const response = await api.delete(`/api/admin/comments/${id}`, { headers: admin });
    expect(response.status(), await response.text()).toBe(200);
  });
});

test('marking a published comment as spam rebuilds its post, the homepage and its tag pages; the feed, page 2, other tag pages and posts stay cached', async () => {
  await expectTakingDownRebuildsItsPostAndLists(4, (id) => moderate(id, 'spam'));
});

test('marking a pending comment as spam rebuilds nothing', async () => {
  const { target, unrelatedTag } = await homepagePost(1);
  const paths = ['/', '/feed.xml', postPath(target), ...tagPaths(target), `/tags/${unrelatedTag}`];
  const before = await warmAll(api, paths);

  await moderate(await pendingComment(target.id, token('never shown')), 'spam');

  await expectUntouched(api, before, paths);
});
