import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { createCommentLimiter, parseRateRules } from '@/lib/core/flood-control';
import { createUpstashRedis, type UpstashRedis } from '@/lib/core/upstash-redis';
import { serializeValue } from '@/lib/page-cache/serialize';
import { SharedStore } from '@/lib/page-cache/store';
import { readStats } from '@/lib/stats/reader';
import { StatsRecorder } from '@/lib/stats/recorder';
import { startPrivateRedis, type PrivateRedis } from '../support/redis';

/*
 * The Redis deployments users run, each a private redis-server set up as they would: a Redis
 * Cluster node, which runs a script or multi-key command only over keys of one hash slot, and a
 * Redis with `maxmemory` and the `volatile-lru` policy the store asks for, which evicts entries
 * (they all have a TTL) and never the tag records (they have none).
 */

async function rawClient(url: string) {
  const client = createClient({ url, RESP: 2 });
  await client.connect();
  return client;
}

const entry = (startedAt: number, tags: string[], bytes = 100) => ({
  startedAt,
  tags,
  body: serializeValue({ html: 'x'.repeat(bytes) }),
  ttlSeconds: 3600,
});

describe('on a Redis Cluster node', () => {
  let redis: PrivateRedis;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    redis = await startPrivateRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
    const admin = await rawClient(redis.url);
    closers.push(() => admin.quit());
    await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    // A node serves its slots once the cluster state is ok; nothing announces it.
    for (let i = 0; i < 200 && !String(await admin.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok'); i++)
      await sleep(50);
    assert.match(String(await admin.sendCommand(['CLUSTER', 'INFO'])), /cluster_state:ok/);
    // What the keys' hash tags are for: this node refuses a script over keys of two slots.
    await assert.rejects(
      admin.sendCommand(['EVAL', 'return 1', '2', 'fp:tags', 'fp:epoch']),
      /CROSSSLOT/,
      'keys without a shared hash tag are refused here',
    );
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await redis.stop();
  });

  test("every script of the page cache runs: its keys share one slot (the store's prefix is a hash tag)", async () => {
    const store = new SharedStore({ url: redis.url, prefix: 'fp:cache', buildId: 'b1', commandTimeoutMs: 2000 });
    closers.push(() => store.close());
    await store.connected();
    const { now, generation } = await store.check(['post:1', 'posts:list'], null);
    assert.ok(generation);
    assert.equal(await store.put('/posts/a', entry(now, ['post:1', 'posts:list']), null), 'stored');
    const token = await store.lock('/', 10_000);
    assert.ok(token);
    assert.equal(await store.put('/', entry(now, ['posts:list']), token), 'stored');
    assert.equal(await store.isLocked('/'), false);

    const change = await store.beginChange({ tags: ['post:1'], event: null }, 60);
    const { now: aheadStart } = await store.check([], null);
    await store.putAhead(change, '/posts/a', entry(aheadStart, ['post:1', 'posts:list']));
    const applied = await store.applyChange(['post:1'], { kind: 'post-edited', description: 'edited' }, change);
    assert.equal(applied.installed, 1);
    assert.ok((await store.read('/posts/a')).entry!.lastModified > applied.at, 'the render ahead went live');

    await store.recordReads([{ page: '/posts/a', tags: ['post:1'], reads: 3 }], 60_000, 100);
    assert.deepEqual(
      (await store.pagesReadWith(['post:1'])).candidates.map((c) => c.page),
      ['/posts/a'],
    );
    assert.equal((await store.listEntries(10)).length, 2);
    assert.deepEqual(await store.eventsOf(['post:1']), [{ kind: 'post-edited', description: 'edited' }]);
    await store.invalidate(
      Array.from({ length: 2500 }, (_, i) => `post:${i}`),
      null,
    );
  });

  test('the statistics and the rate limits run too, over the TCP transport', async () => {
    const upstash: UpstashRedis = createUpstashRedis({ redisUrl: redis.url });
    closers.push(() => upstash.close());
    const recorder = new StatsRecorder({
      redis: upstash.redis,
      transport: upstash.transport,
      prefix: 'fp',
      flushMs: 60_000,
      bufferLimit: 1000,
    });
    recorder.recordRequest('/', 'hit');
    recorder.recordRequest('/', 'miss');
    recorder.recordInvalidation(['post:1'], { kind: 'comment-published', description: 'a comment' });
    await recorder.close();
    assert.equal(recorder.status().reachable, true);
    const report = await readStats(upstash.redis, 'fp', '1h', Date.now());
    assert.equal(report.totals.hit, 1);
    assert.equal(report.totals.miss, 1);
    assert.equal(report.invalidations.length, 1);

    const failures: string[] = [];
    const limiter = createCommentLimiter(upstash.redis, parseRateRules('2/1m'), 'fp:ratelimit:comment', (cause) =>
      failures.push(cause),
    );
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await limiter.admit('198.51.100.7')).admitted);
    assert.deepEqual(failures, [], 'the limiter ran on the node');
    assert.deepEqual(answers, [true, true, false]);
  });
});

describe('on a Redis with maxmemory and volatile-lru', () => {
  let redis: PrivateRedis;
  let store: SharedStore;

  before(async () => {
    redis = await startPrivateRedis(['--maxmemory', '8mb', '--maxmemory-policy', 'volatile-lru']);
    store = new SharedStore({ url: redis.url, prefix: 'fp:cache', buildId: 'b1', commandTimeoutMs: 2000 });
    await store.connected();
  });

  after(async () => {
    await store.close();
    await redis.stop();
  });

  test('entries past the memory limit are evicted, never the tag records: every write keeps working and an invalidated page is never served as fresh', async () => {
    const { now } = await store.check([], null);
    await store.put('/kept-tags', entry(now, ['post:1']), null);
    const invalidatedAt = await store.invalidate(['post:1'], { kind: 'post-edited', description: 'edited' });
    // Three times the memory limit of pages rendered before that invalidation, plus fresh ones.
    for (let i = 0; i < 1200; i++) {
      const outcome = await store.put(`/page/${i}`, entry(now, [`post:${i + 2}`], 20_000), null);
      assert.equal(outcome, 'stored', `page ${i} was stored`);
    }
    const admin = await rawClient(redis.url);
    try {
      const stats = String(await admin.sendCommand(['INFO', 'stats']));
      assert.ok(Number(/evicted_keys:(\d+)/.exec(stats)![1]) > 0, 'Redis evicted entries');
    } finally {
      await admin.quit();
    }
    // The tag record survived: the entry rendered before the invalidation is still known stale.
    const check = await store.check(['post:1'], null);
    assert.equal(check.times![0], invalidatedAt);
    assert.ok(check.times![0]! >= now);
    assert.deepEqual(await store.eventsOf(['post:1']), [{ kind: 'post-edited', description: 'edited' }]);
    // And a render that began before it is still refused.
    assert.equal(await store.put('/late', entry(now, ['post:1']), null), 'raced');
    assert.equal(await store.put('/later', entry(check.now, ['post:1']), null), 'stored');
  });
});
