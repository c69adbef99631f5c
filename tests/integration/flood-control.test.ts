import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { config } from '@/lib/core/config';
import { createCommentLimiter, parseRateRules } from '@/lib/core/flood-control';
import { createUpstashRedis, type UpstashRedis } from '@/lib/core/upstash-redis';
import { startRedisHttpBridge, type RedisHttpBridge } from '@/scripts/redis-http-bridge';

/*
 * The comment rate limit runs @upstash/ratelimit on the statistics' @upstash/redis client, over
 * TCP or over the Upstash REST API (here the local bridge), against the machine's real Redis.
 * Both must count in the same keys, or a site moving between them would hand every client a new
 * allowance; and an unreachable Redis must admit (fail open) and say so.
 */

const token = `flood-${randomUUID()}`;
const keyPrefix = `fp-test:flood:${Date.now().toString(36)}:${process.pid}`;

describe('comment rate limit over both transports', () => {
  let bridge: RedisHttpBridge;
  let tcp: UpstashRedis;
  let http: UpstashRedis;

  before(async () => {
    bridge = await startRedisHttpBridge({ redisUrl: config.REDIS_URL, token, port: 0 });
    tcp = createUpstashRedis({ redisUrl: config.REDIS_URL });
    http = createUpstashRedis({ redisUrl: config.REDIS_URL, restUrl: bridge.url, restToken: token });
    assert.equal(http.transport, 'http');
  });

  after(async () => {
    // The limiters' keys are hash-tagged: {<prefix>}:<rule>:… (lib/core/redis-keys.ts).
    const keys = (await tcp.redis.keys(`{${keyPrefix}:*`)) as string[];
    if (keys.length > 0) await tcp.redis.del(...keys);
    await tcp.close();
    await http.close();
    await bridge.close();
  });

  test('"5/1m,20/1h" and "off" are read as written', () => {
    assert.deepEqual(parseRateRules('5/1m, 20 / 1h'), [
      { tokens: 5, window: '1 m' },
      { tokens: 20, window: '1 h' },
    ]);
    assert.deepEqual(parseRateRules('off'), []);
  });

  test('one allowance per client, shared by both transports, with the time to wait', async () => {
    const warnings: string[] = [];
    const rules = parseRateRules('5/1m,20/1h');
    const prefix = `${keyPrefix}:shared`;
    const overTcp = createCommentLimiter(tcp.redis, rules, prefix, (cause) => warnings.push(cause));
    const overHttp = createCommentLimiter(http.redis, rules, prefix, (cause) => warnings.push(cause));
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await (i % 2 ? overHttp : overTcp).admit('198.51.100.1'));
    assert.deepEqual(
      answers.map((a) => a.admitted),
      [true, true, true, true, true, false, false, false],
    );
    const refused = answers[5]!;
    assert.ok(
      !refused.admitted && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60,
      JSON.stringify(refused),
    );
    // Another client is counted apart.
    assert.deepEqual(await overHttp.admit('198.51.100.2'), { admitted: true });
    assert.deepEqual(warnings, []);
  });

  test('the longer window holds when the short one has room again', async () => {
    const prefix = `${keyPrefix}:long`;
    const limiter = createCommentLimiter(tcp.redis, parseRateRules('100/1m,3/1h'), prefix, () => {});
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await limiter.admit('198.51.100.3')).admitted);
    assert.deepEqual(answers, [true, true, true, false]);
  });

  test('with Redis unreachable, comments are admitted and the cause is reported', async () => {
    const dead = createUpstashRedis({ redisUrl: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
    const deadHttp = createUpstashRedis({
      redisUrl: config.REDIS_URL,
      restUrl: 'http://127.0.0.1:1',
      restToken: token,
      commandTimeoutMs: 300,
    });
    try {
      for (const store of [dead, deadHttp]) {
        const warnings: string[] = [];
        const limiter = createCommentLimiter(store.redis, parseRateRules('1/1m'), `${keyPrefix}:dead`, (cause) =>
          warnings.push(cause),
        );
        const started = performance.now();
        for (let i = 0; i < 3; i++) assert.deepEqual(await limiter.admit('198.51.100.4'), { admitted: true });
        assert.equal(warnings.length, 3, store.transport);
        assert.ok(performance.now() - started < 5000, `${store.transport}: failing open must not wait long`);
      }
    } finally {
      await dead.close();
      await deadHttp.close();
    }
  });
});
