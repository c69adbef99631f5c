import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  entryTags,
  FileSystemCache,
  isImplicitTag,
  NEXT_HEADERS,
  NEXT_VERSION_CHECKED,
  pathOfCacheKey,
  tagsManifest,
} from '@/lib/page-cache/next-internals';
import { nextFs } from '../support/next-fs';

/*
 * The one module that reaches into Next (lib/page-cache/next-internals.ts) says which version its
 * facts were read from. An upgrade fails here first, so the facts are read again before the new
 * version is trusted; the rest checks the facts that can be checked without a server.
 */

test('the installed Next is the version the internals were checked against', () => {
  const installed = (
    JSON.parse(readFileSync(path.join(process.cwd(), 'node_modules', 'next', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  assert.equal(
    installed,
    NEXT_VERSION_CHECKED,
    `Next ${installed} is installed; lib/page-cache/next-internals.ts was checked against ${NEXT_VERSION_CHECKED}: read its facts again in the new source, then update the version`,
  );
});

test("the tag manifest is the one Next's file cache consults: an expiry there hides an entry written before it", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freshpress-next-internals-'));
  try {
    const files = new FileSystemCache({
      fs: nextFs,
      serverDistDir: path.join(dir, 'server'),
      flushToDisk: true,
      maxMemoryCacheSize: 0,
      revalidatedTags: [],
      _requestHeaders: {},
    } as never);
    const key = '/route-cache/APP_PAGE/0123/$/posts/internals';
    const value = {
      kind: 'APP_PAGE',
      html: '<p>x</p>',
      rscData: Buffer.from('x'),
      headers: { [NEXT_HEADERS.cacheTags]: 'fp-internals-test,_N_T_/layout' },
      status: 200,
      postponed: undefined,
      segmentData: undefined,
    };
    const ctx = { kind: 'APP_PAGE', isRoutePPREnabled: false, isFallback: false } as never;
    await files.set(
      key,
      value as never,
      { cacheControl: { revalidate: 3600, expire: 7200 }, isRoutePPREnabled: false, isFallback: false } as never,
    );
    const found = await files.get(key, ctx);
    assert.deepEqual(entryTags(found?.value), ['fp-internals-test', '_N_T_/layout']);
    tagsManifest.set('fp-internals-test', { expired: Date.now() + 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await files.get(key, ctx), null);
  } finally {
    tagsManifest.delete('fp-internals-test');
    await rm(dir, { recursive: true, force: true });
  }
});

test("a page key names its path after `/$`, and Next's implicit tags are told apart", () => {
  assert.equal(pathOfCacheKey('/route-cache/APP_PAGE/2bb8721a/$/posts/a'), '/posts/a');
  assert.equal(pathOfCacheKey('/posts/a'), '/posts/a');
  assert.equal(isImplicitTag('_N_T_/posts/a'), true);
  assert.equal(isImplicitTag('post:1'), false);
  assert.ok(
    Object.values(NEXT_HEADERS).every((name: string) => /^[a-z-]+$/.test(name)),
    'every header name is one Next exports',
  );
});
