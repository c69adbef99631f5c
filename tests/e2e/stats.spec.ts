import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test } from './support/fixtures';
import { expectRecordedRequests, load, statsReport } from './support/stats';

test('every request to a cached page is counted exactly once as a hit, stale hit or miss', async ({
  request,
  blog,
  baseURL,
}) => {
  const posts = await blog.publishedNewestFirst();
  const before = (await statsReport(request, baseURL!)).totals.requests;
  const paths = [
    '/',
    '/feed.xml',
    `/posts/${posts[0]!.slug}`,
    `/posts/${posts[120]!.slug}`,
    `/tags/${posts[0]!.tags[0]}`,
  ];
  await load(baseURL!, paths, 1500, 24);
  await expectRecordedRequests(request, baseURL!, before + 1500);
});

test('the dashboard shows the homepage figures and says which comment caused a rebuild', async ({
  page,
  request,
  blog,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const posts = await blog.publishedNewestFirst();
  const target = posts[0]!;
  // Traffic first, so the homepage has hits to set against its rebuilds.
  await load(baseURL!, ['/', `/posts/${target.slug}`], 200, 8);

  await page.goto(`/posts/${target.slug}`);
  const form = new CommentForm(page);
  const values = uniqueComment('stats');
  await form.post(values);
  await form.expectPublished();
  const [comment] = await blog.commentsByEmail(values.email);
  expect(comment).toBeTruthy();
  await request.get('/');

  const cause = `comment ${comment!.id} published on post ${target.id}`;
  await expect
    .poll(
      async () => {
        // The invalidation is counted by the process that took the comment, the rebuild by the one
        // that served the homepage: each flushes on its own second, so both are awaited.
        const report = await statsReport(request, baseURL!);
        return (
          report.rebuilds.some((r) => r.page === '/' && r.events.some((e) => e.description === cause)) &&
          report.invalidations.some((i) => i.event.description === cause)
        );
      },
      {
        timeout: 15_000,
        intervals: [250],
      },
    )
    .toBe(true);

  await page.setViewportSize({ width: 1280, height: 1800 });
  await page.goto('/stats?range=1h');
  await expect(page.getByRole('heading', { level: 1, name: 'Cache statistics' })).toBeVisible();
  await expect(page.getByTestId('headline')).toContainText(
    /Homepage: [\d,]+ readers? waited; 1 rebuild per [\d,.]+ hits/,
  );
  const rebuild = page.getByTestId('rebuild-row').filter({ hasText: cause });
  await expect(rebuild.first()).toBeVisible();
  const homeOnly = await (await request.get(`${baseURL}/api/stats?range=1h&page=/`)).json();
  expect(homeOnly.causes.byPage).toContainEqual(
    expect.objectContaining({ page: '/', cause: `post:${target.id}:comments` }),
  );
  await expect(page.getByTestId('invalidation-row').filter({ hasText: cause })).toBeVisible();
  await expect(page.locator('.recharts-surface').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/stats-dashboard.png', fullPage: true });
});

test('the stats API refuses an unknown range with a clear error', async ({ request }) => {
  const response = await request.get('/api/stats?range=1y');
  expect(response.status()).toBe(400);
  expect((await response.json()).error).toMatch(/range must be one of/);
});
