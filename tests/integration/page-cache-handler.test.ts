import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { expireInManifest } from '@/lib/invalidation/apply';
import { createPageCacheHandler, type PageCacheHandlerClass } from '@/lib/page-cache/handler';
import { MemoryTier } from '@/lib/page-cache/memory-tier';
import { FileSystemCache, NEXT_HEADERS, tagsManifest, type NextCacheHandler } from '@/lib/page-cache/next-internals';
import { withAheadToken } from '@/lib/page-cache/render-ahead';
import { RenderStarts } from '@/lib/page-cache/render-starts';
import type { PageCacheRuntime } from '@/lib/page-cache/runtime';
import { SharedStore } from '@/lib/page-cache/store';
import { StatsRecorder } from '@/lib/stats/recorder';
import { nextFs } from '../support/next-fs';
import { deleteStatsKeys, testRedisUrl } from '../support/redis';

/*
 * The cache handler as Next sees it, built by its factory around a runtime of the test's own: the
 * memory tier, shared mode against the real Redis (two factories are two server processes), and
 * local mode on Next's real file cache in a temporary directory.
 */

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const recorder = new StatsRecorder({
  redis: null,
  transport: 'tcp',
  prefix: 'unused',
  flushMs: 60_000,
  bufferLimit: 1000,
});

const pageValue = (html: string, tags: string[], status = 200) => ({
  kind: 'APP_PAGE' as const,
  html,
  rscData: Buffer.from(`rsc:${html}`),
  headers: { [NEXT_HEADERS.cacheTags]: tags.join(',') },
  status,
  postponed: undefined,
  segmentData: undefined,
});
const getPage = { kind: 'APP_PAGE', isRoutePPREnabled: false, isFallback: false } as never;
const setPage = {
  cacheControl: { revalidate: 3600, expire: 7200 },
  isRoutePPREnabled: false,
  isFallback: false,
} as never;
const key = (page: string) => `/route-cache/APP_PAGE/0123/$${page}`;

/** Stands for the build's prerendered files: shared mode reads only those through Next's file cache. */
const noBuildFiles: NextCacheHandler = {
  get: async () => null,
  set: async () => {},
  revalidateTag: async () => {},
  resetRequestCache: () => {},
};

function handlerFor(
  runtime: PageCacheRuntime,
  fileCache: () => NextCacheHandler = () => noBuildFiles,
): PageCacheHandlerClass {
  return createPageCacheHandler({
    runtime: () => runtime,
    memoryBytes: 8 * 1024 * 1024,
    lockWaitMs: 2000,
    recorder: () => recorder,
    databaseUnreachable: () => false,
    fileCache,
  });
}

async function sharedRuntime(prefix: string): Promise<PageCacheRuntime> {
  const store = new SharedStore({ url: testRedisUrl, prefix, buildId: 'build-test', commandTimeoutMs: 1000 });
  await store.connected();
  cleanups.push(() => store.close());
  return {
    mode: 'shared',
    distDir: '',
    buildId: 'build-test',
    store,
    tagsManifest: new Map(),
    resyncing: false,
    appliedAhead: new Map(),
    buildPages: { usable: true, ownSince: 0 },
    resync: async () => {},
  };
}

/** A render as Next runs one: the read that misses (noting the render's start), then the write. */
/** A local-mode runtime over Next's own file cache in `dir`, the way a server without Redis runs. */
function localMode(dir: string): { runtime: PageCacheRuntime; files: () => NextCacheHandler } {
  const runtime: PageCacheRuntime = {
    mode: 'local',
    distDir: dir,
    buildId: 'b',
    store: null,
    tagsManifest,
    resyncing: false,
    appliedAhead: new Map(),
    buildPages: { usable: true, ownSince: 0 },
    resync: async () => {},
  };
  const files = () =>
    new FileSystemCache({
      fs: nextFs,
      serverDistDir: path.join(dir, 'server'),
      flushToDisk: true,
      maxMemoryCacheSize: 0,
      revalidatedTags: [],
      _requestHeaders: {},
    } as never) as unknown as NextCacheHandler;
  return { runtime, files };
}

async function render(
  Handler: PageCacheHandlerClass,
  page: string,
  html: string,
  tags: string[],
  status = 200,
): Promise<void> {
  const handler = new Handler({} as never);
  assert.equal(await handler.get(key(page), getPage), null);
  await handler.set(key(page), pageValue(html, tags, status) as never, setPage);
}

const htmlOf = async (Handler: PageCacheHandlerClass, page: string) => {
  const found = await new Handler({} as never).get(key(page), getPage);
  return found?.value?.kind === 'APP_PAGE' ? String(found.value.html) : null;
};

describe('the memory tier', () => {
  test('is bounded by bytes, evicts the least recently used first, and keeps no entry over a quarter of it', () => {
    const tier = new MemoryTier(1000);
    const entry = (size: number) => ({
      data: { lastModified: 0, value: null, cacheControl: undefined },
      tags: [],
      size,
      generation: 'g',
      epoch: null,
    });
    tier.set('a', entry(200));
    tier.set('b', entry(200));
    tier.set('c', entry(200));
    tier.touch('a', tier.get('a')!);
    tier.set('d', entry(250));
    tier.set('e', entry(240));
    assert.equal(tier.get('b'), undefined, 'b was the least recently used');
    assert.ok(tier.get('a') && tier.get('c') && tier.get('d') && tier.get('e'));
    assert.equal(tier.usedBytes, 890);
    tier.set('f', entry(260));
    assert.equal(tier.get('f'), undefined, 'over a quarter of the tier');
  });
});

describe('render starts', () => {
  test('a finished render is stamped with the earliest start under way; the latest start is the one dropped', () => {
    const starts = new RenderStarts();
    starts.note('k', 100);
    starts.note('k', 200);
    assert.equal(starts.take('k'), 100);
    assert.equal(starts.take('k'), 100);
    assert.equal(starts.take('k'), null);
  });
});

describe('the handler in shared mode (real Redis)', () => {
  test('a page rendered through one process is a memory hit there and a Redis hit in another', async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const [one, two] = [handlerFor(await sharedRuntime(prefix)), handlerFor(await sharedRuntime(prefix))];
    await render(one, '/posts/a', '<p>a</p>', ['post:1', 'posts:list']);
    assert.equal(await htmlOf(one, '/posts/a'), '<p>a</p>');
    assert.equal(await htmlOf(two, '/posts/a'), '<p>a</p>');
  });

  test("an invalidation through either process makes both miss, the other's memory tier included", async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const [one, two] = [handlerFor(runtime), handlerFor(await sharedRuntime(prefix))];
    await render(one, '/posts/b', '<p>b</p>', ['post:2', 'posts:list']);
    assert.equal(await htmlOf(two, '/posts/b'), '<p>b</p>');
    await runtime.store!.invalidate(['post:2'], null);
    assert.equal(await htmlOf(one, '/posts/b'), null);
    assert.equal(await htmlOf(two, '/posts/b'), null);
  });

  test('a render that started before an invalidation of one of its tags is not kept', async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const Handler = handlerFor(runtime);
    const handler = new Handler({} as never);
    assert.equal(await handler.get(key('/posts/c'), getPage), null);
    await runtime.store!.invalidate(['post:3'], null);
    await handler.set(key('/posts/c'), pageValue('<p>old c</p>', ['post:3']) as never, setPage);
    assert.equal(await htmlOf(handlerFor(await sharedRuntime(prefix)), '/posts/c'), null);
    assert.equal(await htmlOf(Handler, '/posts/c'), null);
  });

  test('an error page is never kept, so a scan of made-up addresses costs no space', async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const Handler = handlerFor(runtime);
    await render(Handler, '/posts/made-up', '<p>not found</p>', ['slug:made-up'], 404);
    assert.equal(await htmlOf(Handler, '/posts/made-up'), null);
    assert.deepEqual(await runtime.store!.listEntries(10), []);
  });

  test("tags the writer applied ahead are not invalidated again when Next applies them at the request's end", async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const Handler = handlerFor(runtime);
    await runtime.store!.invalidate(['post:4'], null);
    runtime.appliedAhead.set('post:4', { count: 1, at: Date.now() });
    await render(Handler, '/posts/d', '<p>new d</p>', ['post:4']);
    await new Handler({} as never).revalidateTag(['post:4']);
    assert.equal(await htmlOf(Handler, '/posts/d'), '<p>new d</p>', 'the render after the apply is current');
    assert.equal(runtime.appliedAhead.has('post:4'), false);
    await new Handler({} as never).revalidateTag(['post:4']);
    assert.equal(await htmlOf(Handler, '/posts/d'), null, 'a tag nobody applied ahead is invalidated');
  });

  test("a reader's render that Next hands a render ahead of the page ends with it: its rebuild lock is released", async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const store = runtime.store!;
    const Handler = handlerFor(runtime);
    // The reader's read misses and takes the page's lock; the render it gets is the render ahead's.
    assert.equal(await new Handler({} as never).get(key('/posts/g'), getPage), null);
    assert.equal(await store.isLocked(key('/posts/g')), true);
    const token = await store.beginChange({ tags: ['post:7'], event: null }, 60);
    const response = { writeHead: () => response, headersSent: false, setHeader: () => response };
    await withAheadToken(token, response as never, async () => {
      const handler = new Handler({} as never);
      assert.equal(await handler.get(key('/posts/g'), getPage), null);
      await handler.set(key('/posts/g'), pageValue('<p>g ahead</p>', ['post:7']) as never, setPage);
    });
    assert.equal(await store.isLocked(key('/posts/g')), false, 'no reader waits for a result that never comes');
    assert.equal(await htmlOf(Handler, '/posts/g'), null, 'kept aside until the change is applied');
    assert.equal((await store.applyChange(['post:7'], null, token)).installed, 1);
    assert.equal(await htmlOf(handlerFor(await sharedRuntime(prefix)), '/posts/g'), '<p>g ahead</p>');
  });

  test("while Redis's freshness cannot be trusted (resyncing), every read misses and nothing is stored", async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const Handler = handlerFor(runtime);
    await render(Handler, '/posts/e', '<p>e</p>', ['post:5']);
    runtime.resyncing = true;
    assert.equal(await htmlOf(Handler, '/posts/e'), null);
    await render(Handler, '/posts/f', '<p>f</p>', ['post:6']);
    runtime.resyncing = false;
    assert.equal(await htmlOf(Handler, '/posts/e'), '<p>e</p>');
    assert.equal(await htmlOf(Handler, '/posts/f'), null);
  });
});

describe('a build made for another site (lib/page-cache/build-site.ts)', () => {
  test('shared mode takes none of its prerendered pages, and still its build-time data', async () => {
    const prefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(prefix));
    const runtime = await sharedRuntime(prefix);
    const buildFiles: NextCacheHandler = {
      set: async () => {},
      revalidateTag: async () => {},
      resetRequestCache: () => {},
      get: async (_key, ctx) =>
        ({
          lastModified: Date.now() - 60_000,
          value:
            ctx.kind === 'FETCH'
              ? { kind: 'FETCH', data: { headers: {}, body: '"built"', url: '' }, revalidate: 3600, tags: [] }
              : pageValue('<p>prerendered</p>', ['post:1']),
          cacheControl: { revalidate: 3600, expire: 7200 },
        }) as never,
    };
    const Handler = handlerFor(runtime, () => buildFiles);
    assert.equal(await htmlOf(Handler, '/posts/built'), '<p>prerendered</p>', 'this site’s build is served');

    const otherPrefix = `fptest_handler_${randomUUID().slice(0, 8)}`;
    cleanups.push(() => deleteStatsKeys(otherPrefix));
    const other = await sharedRuntime(otherPrefix);
    other.buildPages = { usable: false, ownSince: Date.now() };
    const OtherHandler = handlerFor(other, () => buildFiles);
    assert.equal(await htmlOf(OtherHandler, '/posts/built'), null, 'rendered afresh');
    const data = await new OtherHandler({} as never).get('data-key', {
      kind: 'FETCH',
      tags: [],
      softTags: [],
    } as never);
    assert.equal(data?.value?.kind === 'FETCH' ? data.value.data.body : null, '"built"');
  });

  test('local mode serves from the file cache only the pages this process wrote', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'freshpress-local-site-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { runtime, files } = localMode(dir);
    const Handler = handlerFor(runtime, files);
    // Written before this process started: as the build's pages are.
    await render(Handler, '/posts/old', '<p>built</p>', []);
    await new Promise((resolve) => setTimeout(resolve, 5));
    runtime.buildPages = { usable: false, ownSince: Date.now() };
    assert.equal(await htmlOf(Handler, '/posts/old'), null, 'rendered afresh');
    // File times come from the kernel's coarse clock, a few milliseconds behind Date.now().
    await new Promise((resolve) => setTimeout(resolve, 30));
    await render(Handler, '/posts/old', '<p>rendered here</p>', []);
    assert.equal(await htmlOf(Handler, '/posts/old'), '<p>rendered here</p>');
  });
});

describe("the handler in local mode (Next's file cache)", () => {
  test('keeps pages on disk, hides them once a tag is expired in the manifest, and keeps no render that raced an expiry', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'freshpress-local-handler-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // Next's file cache consults its own manifest: the runtime's is that one in production.
    const { runtime, files } = localMode(dir);
    const Handler = handlerFor(runtime, files);
    const tag = `fp-local-${randomUUID().slice(0, 8)}`;
    cleanups.push(async () => void tagsManifest.delete(tag));

    await render(Handler, '/posts/l', '<p>l</p>', [tag]);
    assert.equal(await htmlOf(Handler, '/posts/l'), '<p>l</p>');

    expireInManifest(tagsManifest, tag, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await htmlOf(Handler, '/posts/l'), null);

    const handler = new Handler({} as never);
    assert.equal(await handler.get(key('/posts/m'), getPage), null);
    expireInManifest(tagsManifest, tag, Date.now() + 1);
    await handler.set(key('/posts/m'), pageValue('<p>old m</p>', [tag]) as never, setPage);
    assert.equal(await htmlOf(Handler, '/posts/m'), null);
  });
});
