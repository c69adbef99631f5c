import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { edgeKeyOf } from '@/lib/core/cache-tags';
import { EDGE_KEYS_HEADER, edgeHeaders, REVALIDATE_EVERY_TIME } from '@/lib/edge/headers';
import { setEdgeKeys } from '@/lib/page-cache/entries';

const ISR = 's-maxage=604800, stale-while-revalidate=30931200';
const cacheControlOf = (value: string | undefined) => edgeHeaders(value, undefined).cacheControl;

describe('Cache-Control for caches in front of the server, no purging tier', () => {
  test("Next's ISR value becomes revalidate-every-time", () => {
    assert.equal(cacheControlOf(ISR), REVALIDATE_EVERY_TIME);
    assert.equal(cacheControlOf('s-maxage=31536000'), REVALIDATE_EVERY_TIME);
    assert.equal(cacheControlOf('S-MaxAge=60,stale-while-revalidate=1'), REVALIDATE_EVERY_TIME);
    assert.equal(REVALIDATE_EVERY_TIME, 'public, max-age=0, must-revalidate');
  });

  test('immutable static files, private and absent values pass unchanged', () => {
    for (const value of [
      'public, max-age=31536000, immutable',
      'private, no-cache, no-store, max-age=0, must-revalidate',
      'no-store',
      'public, max-age=0',
    ]) {
      assert.equal(cacheControlOf(value), value);
    }
    assert.equal(cacheControlOf(undefined), undefined);
  });

  test('a directive merely ending in s-maxage is not one', () => {
    assert.equal(cacheControlOf('x-s-maxage=5'), 'x-s-maxage=5');
  });

  test('keys attached to a page go nowhere without a tier', () => {
    assert.deepEqual(edgeHeaders(ISR, 'post:1 all'), { cacheControl: REVALIDATE_EVERY_TIME, tier: [] });
  });
});

describe('headers for a purging tier', () => {
  const keys = 'post:7 post:7:comments slug:a-post all';

  test('each tier gets its keys header, with its separator, and a lifetime only it reads, capped by EDGE_MAX_AGE', () => {
    assert.deepEqual(edgeHeaders(ISR, keys, { edge: 'varnish', maxAge: 3600 }), {
      cacheControl: REVALIDATE_EVERY_TIME,
      tier: [
        ['xkey', 'post:7 post:7:comments slug:a-post all'],
        ['surrogate-control', 'max-age=3600'],
      ],
    });
    assert.deepEqual(edgeHeaders(ISR, keys, { edge: 'fastly', maxAge: 60 }).tier, [
      ['surrogate-key', 'post:7 post:7:comments slug:a-post all'],
      ['surrogate-control', 'max-age=60'],
    ]);
    assert.deepEqual(edgeHeaders(ISR, keys, { edge: 'cloudflare', maxAge: 3600 }).tier, [
      ['cache-tag', 'post:7,post:7:comments,slug:a-post,all'],
      ['cloudflare-cdn-cache-control', 'max-age=3600'],
    ]);
  });

  test("Next's own lifetime wins when it is shorter", () => {
    assert.deepEqual(
      edgeHeaders('s-maxage=30, stale-while-revalidate=60', keys, { edge: 'varnish', maxAge: 3600 }).tier[1],
      ['surrogate-control', 'max-age=30'],
    );
  });

  test('a page without keys, or with keys past the limits, is not kept at the edge', () => {
    assert.deepEqual(edgeHeaders(ISR, undefined, { edge: 'varnish', maxAge: 3600 }), {
      cacheControl: REVALIDATE_EVERY_TIME,
      tier: [],
    });
    const many = Array.from({ length: 700 }, (_, i) => `post:${100_000 + i}:comments`).join(' ');
    assert.ok(many.length > 8000 && many.length < 16_384);
    assert.deepEqual(edgeHeaders(ISR, many, { edge: 'varnish', maxAge: 3600 }).tier, []);
    assert.equal(edgeHeaders(ISR, many, { edge: 'fastly', maxAge: 3600 }).tier.length, 2);
    assert.deepEqual(edgeHeaders(ISR, `tag:${'x'.repeat(1100)}`, { edge: 'cloudflare', maxAge: 3600 }).tier, []);
  });

  test('dynamic and static answers get no tier headers even with keys', () => {
    assert.deepEqual(edgeHeaders('private, no-store', keys, { edge: 'varnish', maxAge: 3600 }), {
      cacheControl: 'private, no-store',
      tier: [],
    });
  });
});

describe('edge keys', () => {
  test('no key can hold a space or a comma; plain tags stay readable', () => {
    assert.equal(edgeKeyOf('post:12:comments'), 'post:12:comments');
    assert.equal(edgeKeyOf('tag:web performance, again'), 'tag:web%20performance%2C%20again');
    assert.equal(edgeKeyOf('tag:café'), 'tag:caf%C3%A9');
    assert.equal(edgeKeyOf('tag:100%'), 'tag:100%25');
    assert.notEqual(edgeKeyOf('tag:a b'), edgeKeyOf('tag:a%20b'));
  });

  test("a page value carries its content tags as keys, never Next's per-path ones, and loses them when not current", () => {
    const value = {
      kind: 'APP_PAGE',
      html: '',
      rscData: undefined,
      status: 200,
      postponed: undefined,
      segmentData: undefined,
      headers: { 'x-next-cache-tags': 'x' },
    } as never as Parameters<typeof setEdgeKeys>[0] & { headers: Record<string, string> };
    setEdgeKeys(value, ['_N_T_/layout', '_N_T_/posts/a', 'post:1', 'tag:a b']);
    assert.equal(value.headers[EDGE_KEYS_HEADER], 'post:1 tag:a%20b');
    setEdgeKeys(value, null);
    assert.equal(value.headers[EDGE_KEYS_HEADER], undefined);
    assert.equal(value.headers['x-next-cache-tags'], 'x');
  });
});
