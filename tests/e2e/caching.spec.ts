import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, expectRebuilt, expectUntouched, pickUnrelatedTag, snapshot, test, warmAll } from './support/fixtures';

/*
 * Each page is first brought into the page cache (a request, then a HIT). After a change, its
 * render marker tells whether it was rebuilt: a new x-generated-at means rendered again, the same
 * one means served from the cache untouched.
 */

function commentCountOn(html: string, slug: string): number | null {
  const match = html.match(new RegExp(`href="/posts/${slug}#comments"[^>]*>(No comments yet|(\\d+) comments?)<`));
  if (!match) return null;
  return match[2] ? Number(match[2]) : 0;
}

test('a comment on a post on the homepage refreshes that post, the homepage and its tag page — nothing else', async ({
  page,
  request,
  blog,
}) => {
  const posts = await blog.publishedNewestFirst();
  const target = posts[2]!;
  const unrelatedPost = posts.find((p, i) => i > 30 && !p.tags.some((t) => target.tags.includes(t))) ?? posts[60]!;
  const ownTag = target.tags[0]!;
  const unrelatedTag = pickUnrelatedTag(posts, target);
  const paths = [
    '/',
    `/posts/${target.slug}`,
    `/tags/${ownTag}`,
    `/tags/${unrelatedTag}`,
    `/posts/${unrelatedPost.slug}`,
    '/page/2',
  ];
  const before = await warmAll(request, paths);
  const countBefore = commentCountOn(before.get('/')!.html, target.slug);
  expect(countBefore).not.toBeNull();

  await page.goto(`/posts/${target.slug}`);
  const form = new CommentForm(page);
  const comment = uniqueComment('home');
  await form.post(comment);
  await form.expectPublished();
  // The poster's own response already carries the comment: no reload needed.
  await expect(page.getByTestId('comment').filter({ hasText: comment.token })).toBeVisible();

  const postPage = await expectRebuilt(request, before, `/posts/${target.slug}`);
  expect(postPage.html.includes(comment.token), 'post page shows the comment').toBe(true);
  expect(postPage.html.includes(`>${countBefore! + 1} comment`), 'post page counts it').toBe(true);
  const home = await expectRebuilt(request, before, '/');
  expect(commentCountOn(home.html, target.slug)).toBe(countBefore! + 1);
  const tagPage = await expectRebuilt(request, before, `/tags/${ownTag}`);
  expect(commentCountOn(tagPage.html, target.slug)).toBe(countBefore! + 1);
  await expectUntouched(request, before, [`/tags/${unrelatedTag}`, `/posts/${unrelatedPost.slug}`, '/page/2']);
});

test('a comment on a post that is not on the homepage leaves the homepage cached', async ({ page, request, blog }) => {
  const posts = await blog.publishedNewestFirst();
  const target = posts[40]!;
  const before = await warmAll(request, ['/', '/feed.xml', `/posts/${target.slug}`]);

  await page.goto(`/posts/${target.slug}`);
  const comment = uniqueComment('not-home');
  const form = new CommentForm(page);
  await form.post(comment);
  await form.expectPublished();

  const postPage = await expectRebuilt(request, before, `/posts/${target.slug}`);
  expect(postPage.html.includes(comment.token), 'post page shows the comment').toBe(true);
  await expectUntouched(request, before, ['/', '/feed.xml']);
});

test('editing a post title updates its page, the homepage, its tag pages and the feed; other posts stay cached', async ({
  request,
  blog,
  adminToken,
}) => {
  const posts = await blog.publishedNewestFirst();
  const target = posts[3]!;
  const others = [posts[1]!, posts[70]!];
  const paths = [
    '/',
    '/feed.xml',
    `/posts/${target.slug}`,
    ...target.tags.map((t) => `/tags/${t}`),
    ...others.map((p) => `/posts/${p.slug}`),
  ];
  const before = await warmAll(request, paths);

  const newTitle = `Revised title ${Date.now().toString(36)}`;
  const response = await request.patch(`/api/admin/posts/${target.id}`, {
    headers: { authorization: `Bearer ${adminToken}` },
    data: { title: newTitle },
  });
  expect(response.status()).toBe(200);
  expect((await response.json()).invalidated).toEqual([`post:${target.id}`]);

  for (const path of ['/', '/feed.xml', `/posts/${target.slug}`, ...target.tags.map((t) => `/tags/${t}`)]) {
    const now = await expectRebuilt(request, before, path);
    expect(now.html.includes(newTitle), `${path} shows the new title`).toBe(true);
  }
  await expectUntouched(
    request,
    before,
    others.map((p) => `/posts/${p.slug}`),
  );
});

test('publishing a new post puts it on the homepage, the feed and its tag pages; unrelated posts stay cached', async ({
  request,
  blog,
  adminToken,
}) => {
  const posts = await blog.publishedNewestFirst();
  const unrelated = [posts[5]!, posts[100]!];
  const tags = ['caching', 'testing'];
  const paths = ['/', '/feed.xml', ...tags.map((t) => `/tags/${t}`), ...unrelated.map((p) => `/posts/${p.slug}`)];
  const before = await warmAll(request, paths);
  const slug = `fresh-news-${Date.now().toString(36)}`;
  const missing = await snapshot(request, `/posts/${slug}`);
  expect(missing.status).toBe(404);

  const response = await request.post('/api/admin/posts', {
    headers: { authorization: `Bearer ${adminToken}` },
    data: {
      slug,
      title: `Fresh news ${slug}`,
      body: 'Just published.\n\nSecond paragraph.',
      status: 'published',
      tags,
    },
  });
  expect(response.status()).toBe(201);

  for (const path of ['/', '/feed.xml', ...tags.map((t) => `/tags/${t}`)]) {
    const now = await expectRebuilt(request, before, path);
    expect(now.html.includes(`Fresh news ${slug}`), `${path} lists the new post`).toBe(true);
  }
  expect((await snapshot(request, `/posts/${slug}`)).status).toBe(200);
  await expectUntouched(
    request,
    before,
    unrelated.map((p) => `/posts/${p.slug}`),
  );
});
