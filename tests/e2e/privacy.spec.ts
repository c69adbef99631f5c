import { expect, test } from './support/fixtures';

test('no page, feed or sitemap contains the e-mail address of any commenter', async ({ request, blog }) => {
  test.setTimeout(180_000);
  const emails = await blog.commenterEmails();
  expect(emails.length).toBeGreaterThan(300);
  const posts = await blog.publishedNewestFirst();
  const tags = [...new Set(posts.flatMap((post) => post.tags))];
  const paths = [
    '/',
    '/feed.xml',
    '/sitemap.xml',
    '/sitemaps/pages-1.xml',
    '/sitemaps/posts-1.xml',
    ...Array.from({ length: Math.ceil(posts.length / 10) - 1 }, (_, i) => `/page/${i + 2}`),
    ...posts.map((post) => `/posts/${post.slug}`),
    ...tags.map((tag) => `/tags/${tag}`),
  ];
  const lowerEmails = emails.map((email) => email.toLowerCase());
  for (const path of paths) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const body = (await response.text()).toLowerCase();
    const leaked = lowerEmails.filter((email) => body.includes(email));
    expect(leaked, `e-mail addresses in ${path}`).toEqual([]);
  }
});
