import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cachedPages } from '@/lib/page-cache/listing';
import type { PageCacheRuntime } from '@/lib/page-cache/runtime';

/*
 * Local mode's listing reads Next's file cache as Next writes it: `<distDir>/server/app/<key>.meta`
 * beside the page, its headers carrying the tags.
 */

test("local mode lists each cached page of Next's file cache with its tags, and leaves out not-found pages", async () => {
  const distDir = await mkdtemp(path.join(tmpdir(), 'fp-listing-'));
  try {
    const app = path.join(distDir, 'server', 'app');
    await mkdir(path.join(app, 'posts'), { recursive: true });
    const meta = (status: number, tags: string) => JSON.stringify({ status, headers: { 'x-next-cache-tags': tags } });
    await writeFile(path.join(app, 'index.meta'), meta(200, 'posts:list,post:3:comments,_N_T_/layout'));
    await writeFile(path.join(app, 'index.html'), '<html></html>');
    await writeFile(
      path.join(app, 'posts', 'back-pressure.meta'),
      meta(200, 'slug:back-pressure,post:3,post:3:comments'),
    );
    await writeFile(path.join(app, 'posts', 'gone.meta'), meta(404, 'slug:gone'));
    await writeFile(path.join(app, 'feed.xml.meta'), meta(200, 'posts:list'));
    const runtime = { mode: 'local', store: null, distDir } as unknown as PageCacheRuntime;

    assert.deepEqual(await cachedPages(runtime), [
      { page: '/', tags: ['posts:list', 'post:3:comments', '_N_T_/layout'] },
      { page: '/feed.xml', tags: ['posts:list'] },
      { page: '/posts/back-pressure', tags: ['slug:back-pressure', 'post:3', 'post:3:comments'] },
    ]);
    assert.equal((await cachedPages(runtime, 1)).length, 1);
    assert.deepEqual(await cachedPages(null), []);
  } finally {
    await rm(distDir, { recursive: true, force: true });
  }
});
