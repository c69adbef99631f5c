import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { deserializeValue, serializeValue } from '@/lib/page-cache/serialize';
import { SharedStore } from '@/lib/page-cache/store';
import { deleteStatsKeys, startPrivateRedis, testRedisUrl } from '../support/redis';

/*
 * The shared page cache's store against the real Redis: what makes an entry fresh or stale, the
 * refusal of a render that raced an invalidation, the epoch that spares a hit its tag reads, the
 * generation that reveals a Redis that lost its data, and the rebuild lock.
 */

const prefixes: string[] = [];
const stores: SharedStore[] = [];
after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  for (const prefix of prefixes) await deleteStatsKeys(prefix);
});

function openStore(options: { prefix?: string; buildId?: string; url?: string } = {}): SharedStore {
  const prefix = options.prefix ?? `fptest_store_${randomUUID().slice(0, 8)}`;
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  const store = new SharedStore({
    url: options.url ?? testRedisUrl,
    prefix,
    buildId: options.buildId ?? 'build-a',
    commandTimeoutMs: 1000,
  });
  stores.push(store);
  return store;
}

const page = (marker: string) => ({
  startedAt: 0,
  tags: ['post:1', 'posts:list'],
  body: serializeValue({ marker }),
  ttlSeconds: 60,
});

describe('the shared page cache store', () => {
  test('Buffers and Maps of Buffers survive serialisation byte for byte', () => {
    const value = {
      kind: 'APP_PAGE',
      html: '<p>ü</p>',
      rscData: Buffer.from([0, 1, 2, 255]),
      segmentData: new Map([['/_tree', Buffer.from('tree')]]),
      headers: { 'x-next-cache-tags': 'a,b' },
      status: 200,
    };
    const back = deserializeValue<typeof value>(serializeValue(value));
    assert.deepEqual(back, value);
    assert.ok(Buffer.isBuffer(back.rscData));
    assert.ok(back.segmentData instanceof Map && Buffer.isBuffer(back.segmentData.get('/_tree')));
  });

  test("listing gives this build's entries with their keys and tags, bounded, and none of another build's", async () => {
    const store = openStore({ buildId: 'build-list' });
    const other = openStore({ prefix: prefixes.at(-1), buildId: 'build-other' });
    const { now } = await store.check([], null);
    for (let i = 0; i < 30; i++) await store.put(`/page/${i}`, { ...page(`p${i}`), startedAt: now }, null);
    await other.put('/elsewhere', { ...page('x'), startedAt: now }, null);
    const listed = await store.listEntries(1000);
    assert.equal(listed.length, 30);
    assert.deepEqual(
      listed.find((entry) => entry.key === '/page/7'),
      { key: '/page/7', tags: ['post:1', 'posts:list'] },
    );
    assert.equal(
      listed.some((entry) => entry.key === '/elsewhere'),
      false,
    );
    assert.equal((await store.listEntries(5)).length, 5);
  });

  test('an entry stays fresh until one of its tags is invalidated, whatever the number of entries', async () => {
    const store = openStore();
    const { now } = await store.check([], null);
    for (let i = 0; i < 200; i++)
      assert.equal(await store.put(`/page/${i}`, { ...page(`p${i}`), startedAt: now }, null), 'stored');
    const { entry: stored, check: before } = await store.read('/page/7', ['post:7']);
    assert.ok(stored);
    assert.deepEqual(stored.tags, ['post:1', 'posts:list']);
    assert.deepEqual(before.times, [0, 0, 0], "the entry's tags, then those asked about");

    const at = await store.invalidate(['posts:list'], {
      kind: 'post-published',
      description: 'post 1 published',
      postId: 1,
    });
    const afterInvalidation = await store.check(stored.tags, before.epoch);
    assert.notEqual(afterInvalidation.epoch, before.epoch);
    assert.deepEqual(afterInvalidation.times, [0, at]);
    assert.ok(at >= stored.lastModified, 'the invalidation is later than the entry: stale');
    assert.deepEqual((await store.read('/page/7', ['post:7'])).check.times, [0, at, 0]);
    assert.deepEqual((await store.read('/page/none', ['posts:list'])).check.times, [], 'no entry, nothing checked');
    assert.deepEqual(await store.eventsOf(['posts:list']), [
      { kind: 'post-published', description: 'post 1 published', postId: 1 },
    ]);
  });

  test('a change of 240,000 tags (an import of 60,000 posts) is applied: entries carrying any of them are stale, others fresh, and applying it again is harmless', async () => {
    const store = openStore();
    const { now } = await store.check([], null);
    const changed = Array.from({ length: 240_000 }, (_, i) => `post:${i + 1}`);
    for (const tag of ['post:1', 'post:123456', 'post:240000', 'post:240001'])
      await store.put(`/of/${tag}`, { ...page(tag), tags: [tag], startedAt: now }, null);

    const event = { kind: 'post-published' as const, description: '60,000 posts published', bulkTags: 240_000 };
    const first = await store.applyChange(changed, event, null);
    for (const tag of ['post:1', 'post:123456', 'post:240000']) {
      const { times } = await store.check([tag], null);
      assert.ok(times![0]! >= now && times![0]! <= first.at, `${tag} marked by its batch`);
    }
    assert.deepEqual((await store.check(['post:240001'], null)).times, [0], 'a tag outside the change is untouched');
    assert.deepEqual(await store.eventsOf(['post:240000']), [event]);

    // The outbox applies a change again after a crash midway: it only marks the tags once more.
    const again = await store.applyChange(changed, event, null);
    assert.ok(again.at > first.at);
    assert.ok((await store.check(['post:1'], null)).times![0]! > first.at);
  });

  test('an unchanged epoch answers a hit without reading a single tag', async () => {
    const store = openStore();
    const first = await store.check(['post:1', 'post:2'], null);
    assert.deepEqual(first.times, [0, 0]);
    const again = await store.check(['post:1', 'post:2'], first.epoch);
    assert.equal(again.times, null);
    await store.invalidate(['post:99'], null);
    assert.deepEqual((await store.check(['post:1', 'post:2'], first.epoch)).times, [0, 0]);
  });

  test('a render that started before an invalidation of one of its tags is refused, and releases its lock', async () => {
    const store = openStore();
    const { now: startedAt } = await store.check([], null);
    const token = await store.lock('/posts/a', 10_000);
    assert.ok(token);
    const invalidatedAt = await store.invalidate(['post:1'], null);
    assert.equal(await store.put('/posts/a', { ...page('raced'), startedAt }, token), 'raced');
    assert.equal((await store.read('/posts/a')).entry, null);
    assert.equal(await store.isLocked('/posts/a'), false);

    assert.equal(await store.put('/posts/a', { ...page('fresh'), startedAt: invalidatedAt + 5 }, null), 'stored');
    // A slower render that began earlier (after the invalidation too) must not replace what a later one stored.
    assert.equal(await store.put('/posts/a', { ...page('older'), startedAt: invalidatedAt + 2 }, null), 'older');
    assert.deepEqual(deserializeValue((await store.read('/posts/a')).entry!.body), { marker: 'fresh' });
  });

  test('a render ahead of a change goes live with it: fresh from then on, and stale at the next invalidation even within the same millisecond', async () => {
    const store = openStore();
    const { now: before } = await store.check([], null);
    await store.put('/posts/a', { ...page('old'), startedAt: before }, null);
    const token = await store.beginChange({ tags: ['post:1'], event: null }, 60);
    assert.deepEqual(await store.changeOf(token), { tags: ['post:1'], event: null });
    const { now: startedAt } = await store.check([], null);
    await store.putAhead(token, '/posts/a', { ...page('ahead'), startedAt });
    assert.deepEqual(
      deserializeValue((await store.read('/posts/a')).entry!.body),
      { marker: 'old' },
      'not before the change',
    );

    const { at, installed } = await store.applyChange(['post:1'], null, token);
    assert.equal(installed, 1);
    const { entry: live, check } = await store.read('/posts/a');
    assert.ok(live);
    assert.deepEqual(deserializeValue(live.body), { marker: 'ahead' });
    assert.ok(
      check.times!.every((time) => time < live.lastModified),
      'fresh after the change',
    );
    assert.ok(check.now >= live.lastModified, 'no render can start before the stamp it was given');
    assert.equal(await store.changeOf(token), null, 'an applied change is no longer pending');

    // At once, so within the same millisecond as often as not: the clock still moves on.
    const next = await store.invalidate(['posts:list'], null);
    assert.ok(
      next > at && next >= live.lastModified,
      `the next invalidation (${next}) is not older than ${live.lastModified}`,
    );
  });

  test('a render ahead whose tags another change marked after it began is not installed', async () => {
    const store = openStore();
    const token = await store.beginChange({ tags: ['post:1'], event: null }, 60);
    const { now: startedAt } = await store.check([], null);
    await store.invalidate(['posts:list'], null);
    await store.putAhead(token, '/posts/b', { ...page('raced'), startedAt });
    assert.equal((await store.applyChange(['post:1'], null, token)).installed, 0);
    assert.equal((await store.read('/posts/b')).entry, null);
    assert.equal(await store.changeOf(randomUUID()), null);
    assert.equal(await store.changeOf('../not-a-token'), null);
  });

  test('entries are scoped to their build; invalidations reach every build', async () => {
    const prefix = `fptest_store_${randomUUID().slice(0, 8)}`;
    const a = openStore({ prefix, buildId: 'build-a' });
    const b = openStore({ prefix, buildId: 'build-b' });
    const { now } = await a.check([], null);
    await a.put('/', { ...page('a'), startedAt: now }, null);
    assert.equal((await b.read('/')).entry, null);
    await b.invalidate(['post:1'], null);
    assert.ok((await a.check(['post:1'], null)).times![0]! > 0);
  });

  test('one server at a time holds the rebuild lock of a page', async () => {
    const store = openStore();
    const other = openStore({ prefix: prefixes.at(-1) });
    const token = await store.lock('/', 5_000);
    assert.ok(token);
    assert.equal(await other.lock('/', 5_000), null);
    assert.equal(await other.isLocked('/'), true);
    await other.unlock('/', 'not-the-token');
    assert.equal(await store.isLocked('/'), true, 'only the holder releases it');
    await store.unlock('/', token);
    assert.ok(await other.lock('/', 5_000));
  });

  test('a Redis that restarted empty shows a new generation', async () => {
    const redis = await startPrivateRedis();
    let ready: () => void = () => {};
    const store = new SharedStore({
      url: redis.url,
      prefix: 'fptest_gen',
      buildId: 'b',
      commandTimeoutMs: 1000,
      onReady: () => ready(),
    });
    stores.push(store);
    try {
      const before = await store.check([], null);
      const reconnected = new Promise<void>((resolve) => (ready = resolve));
      await redis.stop();
      await redis.start();
      await reconnected;
      const after = await store.check([], null);
      assert.notEqual(after.generation, before.generation);
    } finally {
      await redis.stop();
    }
  });
});

describe('the index of pages read lately (warming)', () => {
  test('names the pages carrying a tag with their reads and last read, and forgets the least recently read past its bound', async () => {
    const store = openStore();
    await store.recordReads(
      [
        { page: '/', reads: 5, tags: ['posts:list', 'post:1:comments'] },
        { page: '/posts/a', reads: 2, tags: ['post:1', 'post:1:comments'] },
        { page: '/posts/b', reads: 9, tags: ['post:2'] },
      ],
      3_600_000,
      10,
    );
    await store.recordReads([{ page: '/', reads: 1, tags: ['posts:list', 'post:1:comments'] }], 3_600_000, 10);
    const { now, candidates } = await store.pagesReadWith(['post:1:comments']);
    const byPage = new Map(candidates.map((c) => [c.page, c]));
    assert.deepEqual([...byPage.keys()].sort(), ['/', '/posts/a']);
    assert.equal(byPage.get('/')!.reads, 6);
    assert.deepEqual(byPage.get('/posts/a')!.tags, ['post:1', 'post:1:comments']);
    assert.ok(Math.abs(now - byPage.get('/')!.lastReadAt) < 5000);

    // A bound of two: the least recently read of the three goes, from its tags' sets too.
    await store.recordReads([{ page: '/posts/b', reads: 1, tags: ['post:2'] }], 3_600_000, 2);
    await store.recordReads([{ page: '/', reads: 1, tags: ['posts:list', 'post:1:comments'] }], 3_600_000, 2);
    const left = (await store.pagesReadWith(['post:1', 'post:1:comments', 'post:2'])).candidates.map((c) => c.page);
    assert.deepEqual(left.sort(), ['/', '/posts/b']);
  });
});
