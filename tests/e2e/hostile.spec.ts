import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from 'redis';
import { slotPrefix } from '@/lib/core/redis-keys';
import { testRedisUrl } from '../support/redis';
import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test } from './support/fixtures';
import { get, OwnSite } from './support/site';

/*
 * Requests strangers send — scans, bad escapes, forged ids and forged action calls — answered
 * with a 404 or a clear refusal, never a 500, and never with a draft's address.
 */

test('malformed, out-of-range and NUL-bearing route parameters are a 404, never a 500', async ({ request }) => {
  for (const path of ['/tags/%E0%A4%A', '/posts/%ZZ', '/%']) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), `${path}: a broken percent-escape`).toBe(400);
  }
  const paths = [
    '/tags/%25',
    '/tags/a%00b',
    `/tags/${'x'.repeat(5000)}`,
    '/tags/caching/page/%25',
    '/posts/a%00b',
    `/posts/${'y'.repeat(3000)}`,
    '/stats/post/2147483648',
    '/stats/post/99999999999999999999',
    '/stats/post/-1',
    '/page/99999999',
  ];
  for (const path of paths) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(404);
  }
});

test('the statistics never send anyone to a draft', async ({ request, blog }) => {
  const draft = await blog.firstDraft();
  expect(draft).toBeTruthy();
  const response = await request.get(`/stats/post/${draft!.id}`, { maxRedirects: 0 });
  expect(response.status()).toBe(404);
  expect(await response.text()).not.toContain(draft!.slug);
  const [published] = await blog.publishedNewestFirst();
  const redirect = await request.get(`/stats/post/${published!.id}`, { maxRedirects: 0 });
  expect(redirect.headers().location).toBe(`/posts/${published!.slug}`);
});

test('forged ids through the admin API are refused with a 4xx', async ({ request, adminToken }) => {
  const headers = { authorization: `Bearer ${adminToken}` };
  const comment = await request.post('/api/admin/comments', {
    headers,
    data: { postId: 2147483648, authorName: 'A', authorEmail: 'a@example.com', body: 'Forged.' },
  });
  expect(comment.status()).toBe(422);
  expect((await request.patch('/api/admin/comments/2147483648', { headers, data: { status: 'spam' } })).status()).toBe(
    404,
  );
  expect((await request.patch('/api/admin/posts/99999999999', { headers, data: { title: 'x' } })).status()).toBe(404);
});

test('a slug already in use is a 409 with a sentence, on create and on edit, and changes nothing', async ({
  request,
  blog,
  adminToken,
}) => {
  const headers = { authorization: `Bearer ${adminToken}` };
  const [taken, other] = await blog.publishedNewestFirst();
  const created = await request.post('/api/admin/posts', {
    headers,
    data: { slug: taken!.slug, title: 'Same slug', body: 'Refused.' },
  });
  expect(created.status()).toBe(409);
  expect(created.headers()['cache-control']).toBe('no-store');
  expect(await created.json()).toEqual({ error: 'Another post already uses that slug.' });
  const renamed = await request.patch(`/api/admin/posts/${other!.id}`, { headers, data: { slug: taken!.slug } });
  expect(renamed.status()).toBe(409);
  expect((await request.get(`/posts/${other!.slug}`)).status()).toBe(200);
});

test('a comment with a NUL character gets a message beside the field, keeps the text, and stores nothing', async ({
  page,
  blog,
}) => {
  const [post] = await blog.publishedNewestFirst();
  await page.goto(`/posts/${post!.slug}`);
  const form = new CommentForm(page);
  const values = uniqueComment('nul');
  await form.post({ ...values, body: `before\u0000after ${values.token}` });
  await expect(form.errorFor('body')).toContainText('contains a NUL character');
  await expect(form.body).toHaveValue(new RegExp(values.token));
  expect(await blog.commentsByEmail(values.email)).toEqual([]);
});

test('a server action called with something other than the form answers without a 500', async ({ request, blog }) => {
  const [post] = await blog.publishedNewestFirst();
  const html = await (await request.get(`/posts/${post!.slug}`)).text();
  const actionId = html.match(/&quot;id&quot;:&quot;([0-9a-f]+)&quot;/)?.[1];
  expect(actionId, 'the form names its action').toBeTruthy();
  const response = await request.post(`/posts/${post!.slug}`, {
    headers: { 'next-action': actionId!, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
    data: JSON.stringify(['not the previous state', 42]),
  });
  expect(response.status()).toBeLessThan(500);
});

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

test('made-up posts, tags and page numbers store nothing: no Redis keys, no files, however many', async () => {
  test.setTimeout(180_000);
  const site = new OwnSite();
  await site.open('junk');
  const redis = createClient({ url: testRedisUrl });
  await redis.connect();
  try {
    const shared = await site.start();
    const localDist = await site.copyOfBuild('junk-local');
    const local = await site.start({ PAGE_CACHE: 'local', FRESHPRESS_DIST_DIR: localDist });
    const scan = (i: number) => [
      `/posts/no-such-post-${i}`,
      `/tags/no-such-tag-${i}`,
      `/page/${1000 + i}`,
      `/tags/caching/page/${1000 + i}`,
      `/tags/no-such-tag-${i}/page/2`,
    ];
    const sharedKeys = async () => (await redis.keys(`${slotPrefix(`${site.prefix}:cache`)}:b:*`)).length;
    const localFiles = () =>
      Promise.all(
        ['cache', path.join('server', 'app')].map((dir) => filesUnder(path.join(process.cwd(), localDist, dir))),
      );
    // One round first: the counts a list page past its end is measured against are cached once.
    for (const server of [shared, local])
      for (const address of scan(0)) expect((await get(server.base, address)).status, address).toBe(404);
    const [keysBefore, filesBefore] = [await sharedKeys(), await localFiles()];
    for (let i = 1; i <= 60; i++) {
      for (const server of [shared, local])
        for (const address of scan(i)) expect((await get(server.base, address)).status, address).toBe(404);
    }
    expect(await sharedKeys(), '300 made-up addresses through the shared cache').toBe(keysBefore);
    expect(await localFiles(), '300 made-up addresses through the file cache').toEqual(filesBefore);
    // The real pages are still cached as before.
    await get(shared.base, '/tags/caching');
    expect((await get(shared.base, '/tags/caching')).cache).toBe('HIT');
    await Promise.all([shared.stop(), local.stop()]);
  } finally {
    await redis.quit();
    await site.close();
  }
});
