import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { bucketStart, statsKeys } from '@/lib/stats/keys';
import { readStats } from '@/lib/stats/reader';
import { StatsRecorder } from '@/lib/stats/recorder';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import { deleteStatsKeys, startPrivateRedis } from '../support/redis';
import { statsTransports } from '../support/stats-transports';

/*
 * Edge hits and edge purges through the recorder, a real Redis and the reader, over both
 * transports: what the CDN tier adds to the statistics must add up like everything else.
 */

const transports = statsTransports('edge-stats-test-token');

for (const transport of ['tcp', 'http'] as const) {
  describe(`edge statistics over ${transport}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });
    /** A recorder under a prefix of the test's own, and the connection to read back through. */
    const setUp = () => {
      const prefix = `fptest_edge_${transport}_${randomUUID().slice(0, 8)}`;
      const connection = transports[transport]();
      cleanups.push(
        () => connection.close(),
        () => deleteStatsKeys(prefix),
      );
      const recorder = new StatsRecorder({
        redis: connection.redis,
        transport,
        prefix,
        flushMs: 60_000,
        bufferLimit: 100_000,
      });
      return { prefix, recorder, redis: connection.redis };
    };

    test('edge hits count as requests and hits in the totals, page rows, series and the homepage’s hits per rebuild', async () => {
      const { prefix, recorder, redis } = setUp();
      const now = Date.now();
      const record = (page: string, outcome: 'hit' | 'stale' | 'miss' | 'edge-hit', times: number) => {
        for (let i = 0; i < times; i++) recorder.recordRequest(page, outcome, now);
      };
      record('/', 'hit', 2);
      record('/', 'stale', 1);
      record('/', 'edge-hit', 5);
      record('/', 'miss', 2);
      record('/posts/a', 'edge-hit', 3);
      for (let i = 0; i < 2; i++)
        recorder.recordRebuild({ page: '/', cause: 'cold', tags: [], events: [], wasted: false, at: now });
      await recorder.close();

      const report = await readStats(redis, prefix, '1h', now);
      assert.deepEqual(
        [report.totals.hit, report.totals.stale, report.totals.edgeHit, report.totals.miss, report.totals.requests],
        [2, 1, 8, 2, 13],
      );
      assert.equal(report.totals.hitRatio, 11 / 13);
      const home = report.pages.find((row) => row.page === '/');
      const post = report.pages.find((row) => row.page === '/posts/a');
      assert.deepEqual([home?.edgeHit, home?.hitRatio], [5, 8 / 10]);
      assert.deepEqual([post?.edgeHit, post?.hitRatio, post?.miss], [3, 1, 0]);
      const point = report.series.find((p) => p.bucket === new Date(bucketStart('minute', now)).toISOString());
      assert.deepEqual([point?.edgeHit, point?.hitRatio], [8, 11 / 13]);
      const homeSeries = report.pageSeries.find((s) => s.page === '/')?.points.find((p) => p.requests > 0);
      assert.deepEqual([homeSeries?.requests, homeSeries?.hitRatio], [10, 8 / 10]);
      assert.deepEqual([report.homepage.edgeHit, report.homepage.requests, report.homepage.rebuilds], [5, 10, 2]);
      assert.equal(report.homepage.hitsPerRebuild, (2 + 1 + 5) / 2, 'fresh, stale and edge hits per rebuild');

      const narrowed = await readStats(redis, prefix, '24h', now, '/posts/a');
      assert.deepEqual([narrowed.totals.edgeHit, narrowed.totals.requests, narrowed.pages[0]?.edgeHit], [3, 3, 3]);

      // The stored names, which other readers of the keys (and older servers) see.
      const keys = statsKeys(prefix);
      assert.equal(Number(await redis.hget(keys.totals('hour', bucketStart('hour', now)), 'edge-hit')), 8);
      assert.equal(Number(await redis.zscore(keys.pages('day', bucketStart('day', now), 'edge-hit'), '/')), 5);
    });

    test('purges report sent, failed, keys, mean latency and p50/p99 upper bounds, across flushes', async () => {
      const { prefix, recorder, redis } = setUp();
      const now = Date.now();
      const empty = await readStats(redis, prefix, '1h', now);
      assert.deepEqual(empty.purges, { sent: 0, failed: 0, keys: 0, meanMs: null, p50Ms: null, p99Ms: null });

      recorder.recordPurge({ ok: true, keys: 3, ms: 12.4 }, now);
      recorder.recordPurge({ ok: false, keys: 7, ms: 3000.6 }, now);
      await recorder.flush();
      // The slowest attempt is in Redis already: a faster one in a later flush must not lower it.
      recorder.recordPurge({ ok: true, keys: 5, ms: 4 }, now);
      recorder.recordPurge({ ok: true, keys: 2, ms: 40 }, now);
      await recorder.close();

      const expected = {
        sent: 3,
        failed: 1,
        // The failed attempt's keys go out again with its retry: counted once, when they are purged.
        keys: 3 + 5 + 2,
        meanMs: (12 + 3001 + 4 + 40) / 4,
        // 4, 12.4, 40, 3000.6: the second of four is within 25 ms; the fourth past 2,500, at most 3,001.
        p50Ms: 25,
        p99Ms: 3001,
      };
      assert.deepEqual((await readStats(redis, prefix, '1h', now)).purges, expected);
      assert.deepEqual((await readStats(redis, prefix, '90d', now)).purges, expected, 'day buckets hold the same');
      assert.deepEqual(
        (await readStats(redis, prefix, '24h', now, '/')).purges,
        expected,
        'purges are not narrowed to a page',
      );
    });

    test('a purge with a nonsensical key count or latency is counted without holding back the counts after it', async () => {
      const { prefix, recorder, redis } = setUp();
      const now = Date.now();
      recorder.recordPurge({ ok: true, keys: Number.NaN, ms: Number.NaN }, now);
      recorder.recordPurge({ ok: true, keys: 1e21, ms: Number.POSITIVE_INFINITY }, now);
      recorder.recordPurge({ ok: false, keys: -4, ms: -1 }, now);
      recorder.recordRequest('/', 'edge-hit', now);
      await recorder.flush();
      assert.equal(recorder.status().reachable, true, 'the batch was accepted');
      recorder.recordRequest('/', 'hit', now);
      await recorder.close();
      const report = await readStats(redis, prefix, '1h', now);
      assert.deepEqual([report.totals.edgeHit, report.totals.hit], [1, 1]);
      assert.deepEqual([report.purges.sent, report.purges.failed, report.purges.keys], [2, 1, 1_000_000]);
      assert.equal(report.purges.p50Ms, 0);
    });
  });
}

test('with Redis stopped, purges buffer up to the bound and the rest are dropped and counted', async () => {
  const redisServer = await startPrivateRedis();
  const prefix = `fptest_edge_outage_${randomUUID().slice(0, 8)}`;
  const connection = createUpstashRedis({ redisUrl: redisServer.url });
  // One purge holds 15 counters (5 fields in 3 bucket sizes); each new latency bucket adds 3.
  const recorder = new StatsRecorder({
    redis: connection.redis,
    transport: 'tcp',
    prefix,
    flushMs: 60_000,
    bufferLimit: 24,
    closeRedis: connection.close,
  });
  try {
    await connection.redis.ping();
    await redisServer.stop();
    const latencies = [1, 7, 20, 40, 80, 200, 400, 800, 2000, 4000, 8000, 20_000];
    for (const ms of latencies) recorder.recordPurge({ ok: true, keys: 1, ms });
    await recorder.flush();
    const down = recorder.status();
    assert.equal(down.reachable, false);
    assert.ok(down.buffered > 0 && down.buffered <= 24, `buffered ${down.buffered}`);

    await redisServer.start();
    const deadline = Date.now() + 10_000;
    while (!recorder.status().reachable && Date.now() < deadline) {
      await recorder.flush();
      if (!recorder.status().reachable) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(recorder.status().reachable, true, 'recording resumed');
    const report = await readStats(connection.redis, prefix, '1h', Date.now());
    assert.equal(
      report.purges.sent,
      4,
      'the purges that fit: 15 counters, then 3 more for each of three new latency buckets',
    );
    assert.equal(
      report.purges.sent + report.dropped.allTime,
      latencies.length,
      'every purge is stored or counted as dropped',
    );
  } finally {
    await recorder.close().catch(() => {});
    await redisServer.stop();
  }
});
