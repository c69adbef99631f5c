import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { EdgePurger, EVERYTHING_KEY } from '@/lib/edge/purger';
import { purgeTierOf, type PurgeTier } from '@/lib/edge/tiers';

/*
 * The purge requests each tier's API documents, as sent to a local stand-in (the real APIs are
 * paid services): method, address, credentials, body, and the per-request limits (Fastly 256
 * keys, Cloudflare 100 tags, Varnish one header). And the queue around them: merged bursts,
 * retries with backoff, a bound, keys dropped once the edge has let them expire, the second purge.
 */

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** What the stand-in answers next: a status per request, then 200 for the rest. */
let answers: number[] = [];
let cloudflareSuccess = true;
let answerDelayMs = 0;

before(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: performance.now() });
    if (answerDelayMs) await new Promise((resolve) => setTimeout(resolve, answerDelayMs));
    const status = answers.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: status < 400 && cloudflareSuccess, errors: [] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  received.length = 0;
  answers = [];
  cloudflareSuccess = true;
  answerDelayMs = 0;
});

const NONE = {
  EDGE_PURGE_URL: undefined,
  EDGE_PURGE_TOKEN: undefined,
  FASTLY_SERVICE_ID: undefined,
  FASTLY_API_TOKEN: undefined,
  CLOUDFLARE_ZONE_ID: undefined,
  CLOUDFLARE_API_TOKEN: undefined,
};
const VARNISH_TOKEN = 'varnish-purge-secret-0123456789';
const varnish = () =>
  purgeTierOf({ ...NONE, EDGE: 'varnish', EDGE_PURGE_URL: `${base}/`, EDGE_PURGE_TOKEN: VARNISH_TOKEN })!;
const fastly = () =>
  purgeTierOf({
    ...NONE,
    EDGE: 'fastly',
    EDGE_PURGE_URL: base,
    FASTLY_SERVICE_ID: 'SU1Z0isxPaozGVKXdv0eY',
    FASTLY_API_TOKEN: 'fastly-token',
  })!;
const cloudflare = () =>
  purgeTierOf({
    ...NONE,
    EDGE: 'cloudflare',
    EDGE_PURGE_URL: base,
    CLOUDFLARE_ZONE_ID: '023e105f4ecef8ad9ca31a8372d0c353',
    CLOUDFLARE_API_TOKEN: 'cf-token',
  })!;

function purger(tier: PurgeTier, options: Partial<ConstructorParameters<typeof EdgePurger>[1]> = {}) {
  const attempts: { ok: boolean; keys: number; ms: number }[] = [];
  const instance = new EdgePurger(tier, {
    maxAgeMs: 60_000,
    queueLimit: 10_000,
    repurgeMs: 0,
    record: (attempt) => attempts.push(attempt),
    ...options,
  });
  return { instance, attempts };
}

/** Waits until the stand-in has received `n` requests. */
async function receivedAtLeast(n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (received.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${received.length} of ${n} purge requests arrived`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const tagsNumbered = (n: number) => Array.from({ length: n }, (_, i) => `post:${i + 1}:comments`);

describe('the tiers’ purge requests', () => {
  test('Varnish: PURGE with the keys in xkey and the shared secret, split so no header passes its limit', async () => {
    const { instance, attempts } = purger(varnish());
    await instance.purge(tagsNumbered(1000), { waitMs: 10_000 });
    assert.ok(received.length >= 3, `${received.length} requests`);
    const keys = received.flatMap((r) => {
      assert.equal(r.method, 'PURGE');
      assert.equal(r.url, '/');
      assert.equal(r.headers['x-purge-token'], VARNISH_TOKEN);
      assert.ok((r.headers.xkey as string).length <= 6000);
      return (r.headers.xkey as string).split(' ');
    });
    assert.deepEqual(keys.sort(), tagsNumbered(1000).sort());
    assert.ok(attempts.every((a) => a.ok));
    assert.equal(
      attempts.reduce((n, a) => n + a.keys, 0),
      1000,
    );
  });

  test('Fastly: POST /service/<id>/purge with Fastly-Key and at most 256 surrogate keys', async () => {
    const { instance } = purger(fastly());
    await instance.purge([...tagsNumbered(600), 'tag:web performance'], { waitMs: 10_000 });
    assert.deepEqual(
      received.map((r) => JSON.parse(r.body).surrogate_keys.length),
      [256, 256, 89],
    );
    for (const r of received) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/service/SU1Z0isxPaozGVKXdv0eY/purge');
      assert.equal(r.headers['fastly-key'], 'fastly-token');
      assert.equal(r.headers['content-type'], 'application/json');
    }
    assert.ok(JSON.parse(received[2]!.body).surrogate_keys.includes('tag:web%20performance'));
  });

  test('Cloudflare: POST /client/v4/zones/<id>/purge_cache with a bearer token and at most 100 tags; success: false is a failure', async () => {
    const { instance, attempts } = purger(cloudflare());
    await instance.purge(tagsNumbered(250), { waitMs: 10_000 });
    assert.deepEqual(
      received.map((r) => JSON.parse(r.body).tags.length),
      [100, 100, 50],
    );
    for (const r of received) {
      assert.equal(r.url, '/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache');
      assert.equal(r.headers.authorization, 'Bearer cf-token');
    }
    received.length = 0;
    cloudflareSuccess = false;
    attempts.length = 0;
    await instance.purge(['post:1'], { waitMs: 10_000 });
    assert.deepEqual(
      attempts.map((a) => a.ok),
      [false],
    );
    assert.equal(instance.queued, 1, 'kept for the retry');
    cloudflareSuccess = true;
    await receivedAtLeast(2);
    await instance.close();
    assert.equal(instance.queued, 0);
  });
});

describe('the purge queue', () => {
  test('a failed purge is retried with growing delays until it succeeds, every attempt counted', async () => {
    answers = [503, 503, 503];
    const { instance, attempts } = purger(varnish());
    const started = performance.now();
    await instance.purge(['post:1']);
    assert.ok(performance.now() - started < 1000, 'the writer is not held back by a failing edge');
    await receivedAtLeast(4);
    await instance.close();
    assert.deepEqual(
      attempts.map((a) => a.ok),
      [false, false, false, true],
    );
    const gaps = received.slice(1).map((r, i) => r.at - received[i]!.at);
    // 250, 500, 1000 ms (timers fire a little late, never early).
    assert.ok(gaps[0]! >= 240 && gaps[1]! >= 490 && gaps[2]! >= 990, gaps.join(', '));
    assert.ok(gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!);
    assert.equal(instance.queued, 0);
  });

  test('a burst while a purge is out is merged into the next request', async () => {
    answerDelayMs = 100;
    const { instance } = purger(varnish());
    await Promise.all(Array.from({ length: 50 }, (_, i) => instance.purge([`post:${i}:comments`, 'posts:list'])));
    await instance.close();
    assert.ok(received.length <= 3, `${received.length} requests for 50 purges`);
    const keys = new Set(received.flatMap((r) => (r.headers.xkey as string).split(' ')));
    assert.equal(keys.size, 51);
  });

  test('a writer whose keys wait behind another purge is answered only once its own are sent', async () => {
    answerDelayMs = 150;
    const { instance } = purger(varnish());
    const first = instance.purge(['post:1:comments']);
    await receivedAtLeast(1);
    await instance.purge(['post:2:comments']);
    const sent = received.map((r) => r.headers.xkey);
    assert.deepEqual(sent, ['post:1:comments', 'post:2:comments']);
    await first;
    await instance.close();
  });

  test('past its bound the queue becomes one purge of everything', async () => {
    answers = [503];
    const { instance } = purger(varnish(), { queueLimit: 100 });
    await instance.purge(tagsNumbered(60));
    await instance.purge(tagsNumbered(120).slice(60));
    assert.equal(instance.queued, 1);
    await receivedAtLeast(2);
    await instance.close();
    assert.equal(received.at(-1)!.headers.xkey, EVERYTHING_KEY);
    assert.equal(EVERYTHING_KEY, 'all');
  });

  test('keys older than EDGE_MAX_AGE are dropped: the edge has let those pages expire', async () => {
    answers = [503, 503, 503, 503, 503, 503];
    const { instance } = purger(varnish(), { maxAgeMs: 900 });
    await instance.purge(['post:1']);
    await receivedAtLeast(3);
    // Sent at 0, 250 and 750 ms; the next retry, at 1750 ms, finds the keys past their age.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(instance.queued, 0);
    assert.equal(received.length, 3);
    await instance.close();
  });

  test('the second purge follows the first after EDGE_REPURGE_MS, with the same keys', async () => {
    const { instance } = purger(varnish(), { repurgeMs: 300 });
    await instance.purge(['post:9', 'post:9:comments']);
    await receivedAtLeast(2);
    assert.equal(received[1]!.headers.xkey, received[0]!.headers.xkey);
    const gap = received[1]!.at - received[0]!.at;
    assert.ok(gap >= 290 && gap < 1000, `${gap} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(received.length, 2, 'the second purge is not repeated again');
    await instance.close();
  });
});
