import { runtimeFiles } from '../../server/runtime-files';
import { expect, test } from './support/fixtures';
import { freePort, startProcess, waitForHttp } from './support/server';

test('with STATS_PASSWORD set, the statistics ask for it: a form for people, Basic auth for the API', async ({
  page,
  request,
  blog,
}) => {
  test.setTimeout(90_000);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startProcess(process.execPath, [runtimeFiles.server], {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    PORT: String(port),
    STATS_PASSWORD: 'correct horse battery',
  });
  try {
    await waitForHttp(`${base}/api/health`, server.child, server.output, 60_000);

    const refused = await request.get(`${base}/api/stats?range=1h`);
    expect(refused.status()).toBe(401);
    expect(refused.headers()['www-authenticate']).toContain('Basic');
    const basic = (password: string) => ({
      authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`,
    });
    expect((await request.get(`${base}/api/stats?range=1h`, { headers: basic('wrong') })).status()).toBe(401);
    expect(
      (await request.get(`${base}/api/stats?range=1h`, { headers: basic('correct horse battery') })).status(),
    ).toBe(200);

    // The log's links to posts by id are the operator's too.
    const [post] = await blog.publishedNewestFirst();
    expect((await request.get(`${base}/stats/post/${post!.id}`, { maxRedirects: 0 })).status()).toBe(404);
    const allowed = await request.get(`${base}/stats/post/${post!.id}`, {
      maxRedirects: 0,
      headers: basic('correct horse battery'),
    });
    expect(allowed.headers().location).toBe(`/posts/${post!.slug}`);

    await page.goto(`${base}/stats`);
    await expect(page.getByRole('heading', { name: 'Cache statistics' })).toBeVisible();
    await expect(page.getByTestId('headline')).toHaveCount(0);
    await page.getByLabel('Password').fill('nope');
    await page.getByRole('button', { name: 'Show statistics' }).click();
    await expect(page.getByText('That password is not right.')).toBeVisible();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Show statistics' }).click();
    await expect(page.getByTestId('headline').or(page.getByTestId('empty-state')).first()).toBeVisible();
  } finally {
    await server.stop();
  }
});
