import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errors, type Redis } from '@upstash/redis';
import { config } from '@/lib/core/config';
import { createUpstashRedis, type UpstashRedis } from '@/lib/core/upstash-redis';
import { createTcpRequester } from '@/lib/core/tcp-requester';
import { freePort } from '@/lib/core/free-port';
import { startRedisHttpBridge, type RedisHttpBridge } from '@/scripts/redis-http-bridge';

/*
 * The stats store reaches Redis through @upstash/redis over TCP (a custom requester) or over the
 * Upstash REST API. The same suite runs against both, on the machine's real Redis (the HTTP side
 * through the local Upstash-compatible bridge), so a reply shaped differently on one transport
 * fails here rather than on the dashboard. Each test writes under its own random key prefix and
 * deletes what it wrote.
 */

const redisUrl = config.REDIS_URL;
const bridgeToken = `test-token-${randomUUID()}`;
const runPrefix = `fp-test:transports:${Date.now().toString(36)}:${process.pid}`;

/** Calls `work` with a key maker under a fresh prefix, then deletes every key it made. */
async function withKeys(
  redis: Redis,
  prefix: string,
  work: (key: (name: string) => string) => Promise<void>,
): Promise<void> {
  const base = `${prefix}:${randomUUID()}:`;
  const made = new Set<string>();
  const key = (name: string) => {
    made.add(base + name);
    return base + name;
  };
  try {
    await work(key);
  } finally {
    if (made.size > 0) await redis.del(...made);
  }
}

/** The replies come back as Redis sent them; the command classes' declared types do not say so. */
const raw = (value: unknown): unknown => value;

const isUpstashError = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof errors.UpstashError, `expected an UpstashError, got ${String(error)}`);
  assert.match(error.message, pattern);
  return true;
};

/** Retries `attempt` until it succeeds or `ms` have passed. */
async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('choosing the transport', () => {
  test('the REST API is used only when both its URL and its token are set; REDIS_URL otherwise', async (t) => {
    t.mock.method(console, 'warn', () => {});
    // Nothing listens there: only the choice matters, not a connection.
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const choices = [
      createUpstashRedis({ redisUrl: nowhere, restUrl: 'https://stats.example.invalid', restToken: 'token' }),
      createUpstashRedis({ redisUrl: nowhere, restUrl: 'https://stats.example.invalid' }),
      createUpstashRedis({ redisUrl: nowhere, restToken: 'token' }),
      createUpstashRedis({ redisUrl: nowhere }),
    ];
    t.after(() => Promise.all(choices.map((choice) => choice.close())));
    assert.deepEqual(
      choices.map((choice) => choice.transport),
      ['http', 'tcp', 'tcp', 'tcp'],
    );
  });

  test('closing a TCP client while it is still connecting leaves no socket open behind it', async (t) => {
    const opened: Socket[] = [];
    t.after(() => opened.forEach((socket) => socket.destroy()));
    const track = (message: unknown) => opened.push((message as { socket: Socket }).socket);
    diagnostics.subscribe('net.client.socket', track);
    try {
      await Promise.all(Array.from({ length: 3 }, () => createUpstashRedis({ redisUrl }).close()));
    } finally {
      diagnostics.unsubscribe('net.client.socket', track);
    }
    assert.ok(opened.length > 0, 'no connection was attempted');
    // Past the point where a stray connection attempt would have completed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      opened.map((socket) => socket.destroyed),
      opened.map(() => true),
    );
  });
});

for (const transport of ['tcp', 'http'] as const) {
  describe(`stats Redis over ${transport === 'tcp' ? 'TCP (custom requester)' : 'HTTP (Upstash REST API via the bridge)'}`, () => {
    const prefix = `${runPrefix}:${transport}`;
    let bridge: RedisHttpBridge | undefined;
    let store: UpstashRedis;
    const redis = () => store.redis;

    before(async () => {
      if (transport === 'http') {
        bridge = await startRedisHttpBridge({ redisUrl, token: bridgeToken, port: 0 });
        store = createUpstashRedis({ redisUrl, restUrl: bridge.url, restToken: bridgeToken });
      } else {
        store = createUpstashRedis({ redisUrl });
      }
      assert.equal(store.transport, transport);
    });

    after(async () => {
      try {
        assert.deepEqual(raw(await store.redis.keys(`${prefix}:*`)), [], 'a test left keys behind');
      } finally {
        await store.close();
        await bridge?.close();
      }
    });

    test('HINCRBY adds atomically; HGETALL, HSCAN and HMGET return Redis’s flat arrays', () =>
      withKeys(redis(), prefix, async (key) => {
        const hash = key('totals');
        assert.equal(await redis().hincrby(hash, 'hit', 3), 3);
        await Promise.all(Array.from({ length: 50 }, () => redis().hincrby(hash, 'hit', 1)));
        assert.equal(await redis().hincrby(hash, 'miss', -2), -2);
        assert.deepEqual(raw(await redis().hgetall(hash)), ['hit', '53', 'miss', '-2']);
        assert.deepEqual(raw(await redis().hscan(hash, 0)), ['0', ['hit', '53', 'miss', '-2']]);
        assert.deepEqual(raw(await redis().hmget(hash, 'miss', 'stale', 'hit')), ['-2', null, '53']);
      }));

    test('EXPIRE sets a time to live that TTL reports; TTL tells a missing key from one without expiry', () =>
      withKeys(redis(), prefix, async (key) => {
        const bucket = key('bucket');
        await redis().hincrby(bucket, 'hit', 1);
        assert.equal(await redis().ttl(bucket), -1);
        assert.equal(await redis().expire(bucket, 172_800), 1);
        const ttl = await redis().ttl(bucket);
        assert.ok(ttl > 172_700 && ttl <= 172_800, `ttl ${ttl}`);
        assert.equal(await redis().ttl(key('never-written')), -2);
        assert.equal(await redis().expire(key('never-written'), 60), 0);
      }));

    test('ZINCRBY accumulates scores; ZUNION and ZREVRANGE WITHSCORES give member/score pairs as strings', () =>
      withKeys(redis(), prefix, async (key) => {
        const [minute1, minute2] = [key('pages:1'), key('pages:2')];
        assert.equal(raw(await redis().zincrby(minute1, 2, '/')), '2');
        assert.equal(raw(await redis().zincrby(minute1, 1.5, '/posts/café')), '1.5');
        await redis().zincrby(minute2, 3, '/');
        await redis().zincrby(minute2, 0.25, '/tags/🎉');
        assert.deepEqual(raw(await redis().zunion(2, [minute1, minute2], { withScores: true })), [
          '/tags/🎉',
          '0.25',
          '/posts/café',
          '1.5',
          '/',
          '5',
        ]);
        assert.deepEqual(raw(await redis().exec(['ZREVRANGE', minute1, 0, -1, 'WITHSCORES'])), [
          '/',
          '2',
          '/posts/café',
          '1.5',
        ]);
        assert.deepEqual(raw(await redis().zrange(minute2, 0, 0, { rev: true, withScores: true })), ['/', '3']);
      }));

    test('a log kept with LPUSH and LTRIM returns its newest unicode JSON lines intact', () =>
      withKeys(redis(), prefix, async (key) => {
        const log = key('log');
        const lines = Array.from({ length: 6 }, (_, i) =>
          JSON.stringify({
            at: `2025-01-0${i + 1}T00:00:00.000Z`,
            page: '/posts/crème-brûlée',
            note: `comment ${i} 🎉 “quoted” \\ \n`,
          }),
        );
        for (const line of lines) await redis().lpush(log, line);
        assert.equal(await redis().ltrim(log, 0, 2), 'OK');
        const kept = raw(await redis().lrange(log, 0, -1));
        assert.deepEqual(kept, [lines[5], lines[4], lines[3]]);
        assert.equal((JSON.parse((kept as string[])[0] ?? '') as { page: string }).page, '/posts/crème-brûlée');
      }));

    test('SET and GET keep strings that look like numbers, JSON or base64 exactly as written', () =>
      withKeys(redis(), prefix, async (key) => {
        for (const value of [
          '007',
          '12345678901234567890',
          '1.50',
          '1e3',
          'true',
          'null',
          '"quoted"',
          'OK',
          'T0s=',
          '',
        ]) {
          assert.equal(await redis().set(key('value'), value), 'OK');
          assert.equal(raw(await redis().get(key('value'))), value);
        }
      }));

    test('a pipeline of 200 mixed commands answers each one, in order', () =>
      withKeys(redis(), prefix, async (key) => {
        const pipeline = redis().pipeline();
        const expected: unknown[] = [];
        let counter = 0;
        const fields = new Map<string, number>();
        for (let i = 0; i < 200; i++) {
          if (i % 5 === 0) {
            pipeline.incr(key('counter'));
            expected.push(++counter);
          } else if (i % 5 === 1) {
            pipeline.set(key(`value:${i}`), `value ${i} é`);
            expected.push('OK');
          } else if (i % 5 === 2) {
            pipeline.get(key(`value:${i - 1}`));
            expected.push(`value ${i - 1} é`);
          } else if (i % 5 === 3) {
            const field = `field:${i % 7}`;
            fields.set(field, (fields.get(field) ?? 0) + i);
            pipeline.hincrby(key('hash'), field, i);
            expected.push(fields.get(field));
          } else {
            pipeline.get(key(`missing:${i}`));
            expected.push(null);
          }
        }
        assert.deepEqual(await pipeline.exec(), expected);
      }));

    test('a transaction applies all its commands, and none when Redis refuses one of them', () =>
      withKeys(redis(), prefix, async (key) => {
        const applied = await redis().multi().incr(key('n')).hincrby(key('h'), 'hit', 2).get(key('n')).exec();
        assert.deepEqual(raw(applied), [1, 2, '1']);

        // DEL without a key is refused while queueing, so Redis discards the whole transaction;
        // a pipeline would have run the INCR.
        await assert.rejects(
          redis().multi().incr(key('n')).del().exec(),
          isUpstashError(/EXECABORT|wrong number of arguments/i),
        );
        assert.equal(raw(await redis().get(key('n'))), '1');
      }));

    test('WRONGTYPE: a single command throws, a pipeline or transaction reports it in its place', () =>
      withKeys(redis(), prefix, async (key) => {
        await redis().set(key('text'), 'not a hash');
        await assert.rejects(redis().hincrby(key('text'), 'hit', 1), isUpstashError(/^WRONGTYPE/));

        const replies = await redis()
          .pipeline()
          .incr(key('n'))
          .hincrby(key('text'), 'hit', 1)
          .get(key('text'))
          .exec({ keepErrors: true });
        assert.deepEqual(
          replies.map((reply) => reply.error ?? reply.result),
          [1, 'WRONGTYPE Operation against a key holding the wrong kind of value', 'not a hash'],
        );
        await assert.rejects(
          redis().pipeline().hincrby(key('text'), 'hit', 1).exec(),
          isUpstashError(/Command 1 \[ hincrby \] failed: WRONGTYPE/),
        );

        // Unlike a refused command, a failure at run time leaves the rest of the transaction applied.
        const inTransaction = await redis()
          .multi()
          .incr(key('n'))
          .hincrby(key('text'), 'hit', 1)
          .exec({ keepErrors: true });
        assert.equal(inTransaction[0]?.result, 2);
        assert.match(inTransaction[1]?.error ?? '', /^WRONGTYPE/);
      }));

    test('keys that do not exist read as null or empty, never as an error', () =>
      withKeys(redis(), prefix, async (key) => {
        const missing = key('missing');
        assert.equal(await redis().get(missing), null);
        assert.equal(await redis().hget(missing, 'hit'), null);
        assert.deepEqual(raw(await redis().hgetall(missing)), []);
        assert.deepEqual(raw(await redis().hmget(missing, 'hit', 'miss')), [null, null]);
        assert.deepEqual(await redis().lrange(missing, 0, -1), []);
        assert.equal(await redis().zscore(missing, '/'), null);
        assert.deepEqual(raw(await redis().zunion(2, [missing, key('also-missing')], { withScores: true })), []);
        assert.deepEqual(await redis().pipeline().get(missing).hgetall(missing).exec(), [null, []]);
      }));

    if (transport === 'tcp') {
      // Resources are released in t.after, which also runs when a test times out: a hung request
      // then fails its test instead of keeping the run alive.

      test(
        'pointed where nothing listens, requests fail fast with an error and the process carries on',
        { timeout: 10_000 },
        async (t) => {
          const warn = t.mock.method(console, 'warn', () => {});
          const dead = createUpstashRedis({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
          t.after(() => dead.close());
          for (let attempt = 0; attempt < 3; attempt++) {
            const started = Date.now();
            await assert.rejects(dead.redis.get('anything'), /not connected/i);
            // Only the first request waits, for the first connection attempt; the rest fail at once.
            assert.ok(
              Date.now() - started < (attempt === 0 ? 3000 : 500),
              `attempt ${attempt} took ${Date.now() - started} ms`,
            );
            // Let reconnect attempts fail in the background between requests.
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          await assert.rejects(dead.redis.pipeline().incr('a').incr('b').exec(), /not connected/i);
          // One warning for the outage, not one per reconnect attempt.
          assert.equal(warn.mock.callCount(), 1);
        },
      );

      test(
        'a server that accepts the connection but never answers fails the request after the command timeout',
        { timeout: 10_000 },
        async (t) => {
          const sockets = new Set<Socket>();
          const silent: Server = createServer((socket) => {
            sockets.add(socket);
            socket.on('error', () => {});
          });
          await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
          const tcp = createTcpRequester(`redis://127.0.0.1:${(silent.address() as { port: number }).port}`, {
            commandTimeoutMs: 300,
          });
          t.after(async () => {
            await tcp.close();
            for (const socket of sockets) socket.destroy();
            await new Promise<void>((resolve) => silent.close(() => resolve()));
          });
          const started = Date.now();
          await assert.rejects(
            tcp.requester.request({ body: ['GET', 'anything'] }),
            /no answer from Redis .* within 300 ms/,
          );
          assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
        },
      );

      test(
        'after an outage it reconnects by itself, and requests that failed meanwhile are never replayed',
        { timeout: 20_000 },
        async (t) => {
          t.mock.method(console, 'warn', () => {});
          const port = await freePort();
          const comeback = createUpstashRedis({ redisUrl: `redis://127.0.0.1:${port}` });
          t.after(() => comeback.close());
          await assert.rejects(comeback.redis.set('written-while-down', 'x'));
          await assert.rejects(comeback.redis.pipeline().set('piped-while-down', 'x').exec());
          await assert.rejects(comeback.redis.multi().set('queued-while-down', 'x').exec());
          // A throwaway Redis of its own, started only now, on the port the client keeps dialling.
          const server = spawn(
            'redis-server',
            ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
            { stdio: 'ignore' },
          );
          t.after(async () => {
            if (server.exitCode !== null || server.signalCode !== null) return;
            const exited = once(server, 'exit');
            server.kill();
            await exited;
          });
          assert.equal(await eventually(() => comeback.redis.ping(), 10_000), 'PONG');
          assert.deepEqual(
            raw(await comeback.redis.mget('written-while-down', 'piped-while-down', 'queued-while-down')),
            [null, null, null],
          );
        },
      );

      test('a pipeline reaches Redis in one write, not one per command', { timeout: 10_000 }, async (t) => {
        // A pass-through proxy counts the chunks the client sends; a command-by-command pipeline
        // would show up as 200 of them.
        const target = new URL(redisUrl);
        let chunks = 0;
        const sockets = new Set<Socket>();
        const proxy = createServer((client) => {
          const upstream = connect(Number(target.port || 6379), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('error', () => {});
          }
          client.on('data', (chunk) => {
            chunks += 1;
            upstream.write(chunk);
          });
          upstream.pipe(client);
        });
        await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
        const proxied = new URL(redisUrl);
        proxied.hostname = '127.0.0.1';
        proxied.port = String((proxy.address() as { port: number }).port);
        const viaProxy = createUpstashRedis({ redisUrl: proxied.toString() });
        t.after(async () => {
          await viaProxy.close();
          for (const socket of sockets) socket.destroy();
          await new Promise<void>((resolve) => proxy.close(() => resolve()));
        });
        await withKeys(viaProxy.redis, prefix, async (key) => {
          await viaProxy.redis.ping();
          chunks = 0;
          const pipeline = viaProxy.redis.pipeline();
          for (let i = 0; i < 200; i++) pipeline.hincrby(key('hash'), `field:${i % 10}`, 1);
          assert.equal((await pipeline.exec()).length, 200);
          assert.ok(chunks <= 3, `the pipeline took ${chunks} writes`);
        });
      });
    }

    if (transport === 'http') {
      test('the bridge refuses a missing or wrong token with 401 and a JSON error', async () => {
        const url = bridge?.url ?? assert.fail('no bridge');
        for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${bridgeToken}`]) {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
            body: JSON.stringify(['PING']),
          });
          assert.equal(response.status, 401);
          assert.equal(typeof ((await response.json()) as { error?: unknown }).error, 'string');
        }
        const wrong = createUpstashRedis({ redisUrl, restUrl: url, restToken: 'wrong-token' });
        await assert.rejects(wrong.redis.get('anything'), isUpstashError(/Unauthorized/));
      });

      test('with Upstash-Encoding: base64 the bridge encodes every string of a result, at any depth, and nothing else', () =>
        withKeys(redis(), prefix, async (key) => {
          const url = bridge?.url ?? assert.fail('no bridge');
          const post = async (path: string, body: unknown, encoding: boolean) => {
            const response = await fetch(url + path, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${bridgeToken}`,
                ...(encoding ? { 'Upstash-Encoding': 'base64' } : {}),
              },
              body: JSON.stringify(body),
            });
            return { status: response.status, body: (await response.json()) as unknown };
          };
          const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
          const [text, hash] = [key('text'), key('hash')];

          assert.deepEqual(await post('', ['SET', text, 'é🎉'], true), { status: 200, body: { result: b64('OK') } });
          assert.deepEqual(await post('', ['GET', text], true), { status: 200, body: { result: b64('é🎉') } });
          assert.deepEqual(await post('', ['GET', text], false), { status: 200, body: { result: 'é🎉' } });
          assert.deepEqual(await post('', ['HINCRBY', hash, 'hit', 7], true), { status: 200, body: { result: 7 } });
          assert.deepEqual(await post('', ['HGET', text, 'hit'], true), {
            status: 400,
            body: { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
          });
          assert.deepEqual(
            await post(
              '/pipeline',
              [
                ['HSCAN', hash, 0],
                ['HGETALL', hash],
                ['GET', key('missing')],
                ['HGET', text, 'hit'],
                ['TTL', text],
              ],
              true,
            ),
            {
              status: 200,
              body: [
                { result: [b64('0'), [b64('hit'), b64('7')]] },
                { result: [b64('hit'), b64('7')] },
                { result: null },
                { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
                { result: -1 },
              ],
            },
          );
          assert.deepEqual(
            await post(
              '/multi-exec',
              [
                ['INCR', key('n')],
                ['GET', key('n')],
              ],
              true,
            ),
            {
              status: 200,
              body: [{ result: 1 }, { result: b64('1') }],
            },
          );
        }));
    }
  });
}
