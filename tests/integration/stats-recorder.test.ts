import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createClient } from 'redis';
import { bucketStart, GRANULARITY_MS, RETENTION_SECONDS, statsKeys } from '@/lib/stats/keys';
import { readStats } from '@/lib/stats/reader';
import { StatsRecorder } from '@/lib/stats/recorder';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import type { RequestOutcome } from '@/lib/stats/types';
import { deleteStatsKeys, startPrivateRedis, testRedisUrl } from '../support/redis';
import { statsTransports } from '../support/stats-transports';

/*
 * The recorder against the real Redis, through both transports: TCP (the custom requester) and
 * HTTP (the Upstash REST API, served here by the local bridge in front of the same Redis).
 */

const transports = statsTransports('stats-test-token');

const openConnections: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(openConnections.map((connection) => connection.close()));
});

/** A recorder and the connection it writes through, which stays open for the test to read back. */
/** HGETALL's reply as an object, whichever form the client returns. */
function asRecord(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, string>;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

function makeRecorder(
  transport: keyof typeof transports,
  prefix: string,
  options: { now?: () => number; bufferLimit?: number } = {},
) {
  const connection = transports[transport]();
  openConnections.push(connection);
  const recorder = new StatsRecorder({
    redis: connection.redis,
    transport: connection.transport,
    prefix,
    flushMs: 20,
    bufferLimit: options.bufferLimit ?? 100_000,
    now: options.now,
  });
  return { recorder, redis: connection.redis };
}

for (const transport of ['tcp', 'http'] as const) {
  describe(`stats recorder over ${transport}`, () => {
    const prefixes: string[] = [];
    const newPrefix = () => {
      const prefix = `fptest_${transport}_${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      return prefix;
    };
    after(async () => {
      for (const prefix of prefixes) await deleteStatsKeys(prefix);
    });

    test('counts stay exact under concurrent recording while flushes run', async () => {
      const prefix = newPrefix();
      const { recorder, redis } = makeRecorder(transport, prefix);
      recorder.start();
      const pages = Array.from({ length: 20 }, (_, i) => (i === 0 ? '/' : `/posts/p-${i}`));
      const outcomes: RequestOutcome[] = ['hit', 'hit', 'hit', 'stale', 'miss'];
      const expected = new Map<string, number>();
      // 40 concurrent producers yielding to the event loop, so flushes interleave with recording.
      await Promise.all(
        Array.from({ length: 40 }, async (_, worker) => {
          for (let i = 0; i < 500; i++) {
            const page = pages[(worker * 7 + i) % pages.length]!;
            const outcome = outcomes[(worker + i) % outcomes.length]!;
            recorder.recordRequest(page, outcome);
            expected.set(`${page}|${outcome}`, (expected.get(`${page}|${outcome}`) ?? 0) + 1);
            if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      await recorder.close();
      const report = await readStats(redis, prefix, '1h', Date.now());
      assert.equal(report.totals.requests, 40 * 500);
      assert.equal(report.pages.length, pages.length);
      for (const row of report.pages) {
        for (const outcome of ['hit', 'stale', 'miss'] as const) {
          assert.equal(row[outcome], expected.get(`${row.page}|${outcome}`) ?? 0, `${row.page} ${outcome}`);
        }
      }
      const hourly = await readStats(redis, prefix, '24h', Date.now());
      assert.equal(hourly.totals.requests, 40 * 500, 'hour buckets hold the same counts');
    });

    test('a new minute starts a new bucket; the hour and day buckets keep adding up', async () => {
      const prefix = newPrefix();
      let clock = bucketStart('hour', Date.now()) + 10 * GRANULARITY_MS.minute + 59_000;
      const { recorder, redis } = makeRecorder(transport, prefix, { now: () => clock });
      recorder.recordRequest('/', 'hit');
      recorder.recordRequest('/', 'miss');
      clock += 2000; // into the next minute
      recorder.recordRequest('/', 'hit');
      await recorder.close();
      const keys = statsKeys(prefix);
      const minuteA = bucketStart('minute', clock - 2000);
      const minuteB = bucketStart('minute', clock);
      assert.notEqual(minuteA, minuteB);
      const [a, b, hour] = (
        (await redis
          .pipeline()
          .hgetall(keys.totals('minute', minuteA))
          .hgetall(keys.totals('minute', minuteB))
          .hgetall(keys.totals('hour', bucketStart('hour', clock)))
          .exec()) as unknown[]
      ).map(asRecord);
      assert.deepEqual([Number(a?.hit), Number(a?.miss)], [1, 1]);
      assert.deepEqual([Number(b?.hit), b?.miss ?? null], [1, null]);
      assert.deepEqual([Number(hour?.hit), Number(hour?.miss)], [2, 1]);
      const report = await readStats(redis, prefix, '1h', clock);
      const nonEmpty = report.series.filter((point) => point.hit + point.miss > 0);
      assert.deepEqual(
        nonEmpty.map((point) => [point.bucket, point.hit, point.miss]),
        [
          [new Date(minuteA).toISOString(), 1, 1],
          [new Date(minuteB).toISOString(), 1, 0],
        ],
      );
    });

    test('every bucket key gets the TTL of its granularity and the logs stay capped', async () => {
      const prefix = newPrefix();
      const { recorder } = makeRecorder(transport, prefix);
      recorder.recordRequest('/', 'hit');
      recorder.recordRebuild({ page: '/', cause: 'cold', tags: [], events: [], wasted: false });
      for (let i = 0; i < 1005; i++)
        recorder.recordInvalidation([`post:${i}:comments`], { kind: 'comment-published', description: `comment ${i}` });
      await recorder.close();
      const client = createClient({ url: testRedisUrl, RESP: 2 });
      await client.connect();
      try {
        const now = Date.now();
        const keys = statsKeys(prefix);
        for (const g of ['minute', 'hour', 'day'] as const) {
          for (const key of [
            keys.totals(g, bucketStart(g, now)),
            keys.pages(g, bucketStart(g, now), 'hit'),
            keys.causes(g, bucketStart(g, now)),
          ]) {
            const ttl = await client.ttl(key);
            assert.ok(ttl > RETENTION_SECONDS[g] - 60 && ttl <= RETENTION_SECONDS[g], `${key} ttl ${ttl}`);
          }
        }
        assert.equal(await client.lLen(keys.invalidationLog), 1000);
        assert.match((await client.lIndex(keys.invalidationLog, 0)) ?? '', /comment 1004/);
      } finally {
        await client.quit();
      }
    });

    test('a rebuild explained by an invalidation keeps its tags and events', async () => {
      const prefix = newPrefix();
      const { recorder, redis } = makeRecorder(transport, prefix);
      const made = Date.now() - 1000;
      recorder.recordInvalidation(['post:7:comments'], {
        kind: 'comment-published',
        description: 'comment 812 published on post 7',
        postId: 7,
        commentId: 812,
      });
      recorder.noteTagsExpired(['post:7:comments']);
      const why = recorder.explainInvalidation(['posts:list', 'post:7', 'post:7:comments'], made);
      assert.deepEqual(why.tags, ['post:7:comments']);
      assert.equal(why.events[0]?.description, 'comment 812 published on post 7');
      assert.deepEqual(
        recorder.explainInvalidation(['post:7:comments'], Date.now() + 1000).tags,
        [],
        'entries made after it are not explained by it',
      );
      recorder.recordRebuild({ page: '/', cause: 'invalidated', ...why, wasted: true });
      await recorder.close();
      const report = await readStats(redis, prefix, '24h', Date.now());
      assert.deepEqual(report.causes.byKind, [{ kind: 'comments', count: 1 }]);
      assert.deepEqual(report.causes.byEvent, [{ kind: 'comment-published', count: 1 }]);
      assert.deepEqual(report.causes.byPage, [{ page: '/', cause: 'post:7:comments', count: 1 }]);
      assert.equal(report.totals.wasted, 1);
      assert.equal(report.rebuilds[0]?.events[0]?.commentId, 812);
      assert.equal(report.invalidations[0]?.event.postId, 7);
    });
  });
}

test('a flush whose reply was lost is retried without counting twice', async () => {
  const prefix = `fptest_retry_${randomUUID().slice(0, 8)}`;
  const connection = createUpstashRedis({ redisUrl: testRedisUrl });
  let loseNextReply = true;
  // The one fault made by hand: Redis applied the write but the reply never came back (a timeout
  // after the fact). Everything else is the real client against the real server.
  const flaky = new Proxy(connection.redis, {
    get(target, property, receiver) {
      if (property !== 'eval') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<typeof target.eval>) => {
        const result = await target.eval(...args);
        if (loseNextReply) {
          loseNextReply = false;
          throw new Error('reply lost');
        }
        return result;
      };
    },
  });
  const recorder = new StatsRecorder({ redis: flaky, transport: 'tcp', prefix, flushMs: 60_000, bufferLimit: 1000 });
  try {
    for (let i = 0; i < 10; i++) recorder.recordRequest('/', 'hit');
    await recorder.flush();
    assert.equal(recorder.status().reachable, false, 'the lost reply counts as a failed write');
    recorder.recordRequest('/', 'miss');
    await recorder.flush();
    assert.equal(recorder.status().reachable, true);
    const report = await readStats(connection.redis, prefix, '1h', Date.now());
    assert.deepEqual([report.totals.hit, report.totals.miss], [10, 1]);
  } finally {
    await connection.close();
    await deleteStatsKeys(prefix);
  }
});

test('with Redis stopped mid-run, counts buffer, then overflow is dropped and counted, and recording resumes', async () => {
  const redisServer = await startPrivateRedis();
  const prefix = `fptest_outage_${randomUUID().slice(0, 8)}`;
  const connection = createUpstashRedis({ redisUrl: redisServer.url });
  const recorder = new StatsRecorder({
    redis: connection.redis,
    transport: 'tcp',
    prefix,
    flushMs: 60_000,
    bufferLimit: 300,
    closeRedis: connection.close,
  });
  try {
    recorder.recordRequest('/', 'hit');
    await recorder.flush();
    assert.equal(recorder.status().reachable, true);

    await redisServer.stop();
    let recorded = 1;
    for (let i = 0; i < 200; i++) {
      recorder.recordRequest(`/posts/p-${i}`, 'hit');
      recorded += 1;
    }
    await recorder.flush();
    const down = recorder.status();
    assert.equal(down.reachable, false);
    assert.ok(down.unreachableSince, 'says since when');
    assert.ok(down.buffered > 0 && down.buffered <= 300, `buffered ${down.buffered}`);

    await redisServer.start();
    // The client reconnects by itself; flushing again until one succeeds is what the timer does.
    const deadline = Date.now() + 10_000;
    while (!recorder.status().reachable && Date.now() < deadline) {
      await recorder.flush();
      if (!recorder.status().reachable) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(recorder.status().reachable, true, 'recording resumed');
    recorder.recordRequest('/', 'hit');
    recorded += 1;
    await recorder.flush();

    // The first hit was written before the restart wiped this throwaway server's memory.
    const report = await readStats(connection.redis, prefix, '1h', Date.now());
    assert.ok(report.dropped.allTime > 0, 'drops are counted');
    assert.equal(
      report.totals.requests + report.dropped.allTime,
      recorded - 1,
      'every count is stored or counted as dropped',
    );
  } finally {
    await recorder.close().catch(() => {});
    await redisServer.stop();
  }
});
