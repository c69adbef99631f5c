import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEdgeLine, VARNISHNCSA_FORMAT } from '@/lib/stats/edge-log';

test('a Varnish hit on a cached page counts for the page, whatever representation was asked for', () => {
  assert.deepEqual(parseEdgeLine('hit GET 200 HIT /'), { kind: 'edge-hit', page: '/' });
  assert.deepEqual(
    parseEdgeLine('hit GET 200 MISS /posts/a'),
    { kind: 'edge-hit', page: '/posts/a' },
    'the header as Next sent it when Varnish fetched the page',
  );
  assert.deepEqual(parseEdgeLine('hit GET 200 HIT /posts/a.rsc'), { kind: 'edge-hit', page: '/posts/a' });
  assert.deepEqual(parseEdgeLine('hit GET 304 STALE /posts/a/'), { kind: 'edge-hit', page: '/posts/a' });
  assert.deepEqual(parseEdgeLine('hit HEAD 200 HIT /tags/caf%C3%A9'), { kind: 'edge-hit', page: '/tags/café' });
  assert.deepEqual(
    parseEdgeLine('hit GET 200 HIT /feed.xml\r'),
    { kind: 'edge-hit', page: '/feed.xml' },
    'a CRLF line ending',
  );
});

test('every cached 404 counts as the one page "(not found)", as on the server', () => {
  assert.deepEqual(parseEdgeLine('hit GET 404 HIT /wp-login.php'), { kind: 'edge-hit', page: '(not found)' });
  assert.deepEqual(parseEdgeLine('hit GET 404 HIT /posts/nope'), { kind: 'edge-hit', page: '(not found)' });
});

test('requests that reached the server are left to the server to count', () => {
  for (const handling of ['miss', 'pass', 'pipe', 'synth']) {
    assert.deepEqual(parseEdgeLine(`${handling} GET 200 HIT /`), { kind: 'ignored' }, handling);
  }
});

test('hits on anything but a page from Next’s page cache, and other methods, are not counted', () => {
  assert.deepEqual(parseEdgeLine('hit GET 200 - /_next/static/chunks/app.js'), { kind: 'ignored' });
  assert.deepEqual(parseEdgeLine('hit GET 200 - /favicon.ico'), { kind: 'ignored' });
  assert.deepEqual(parseEdgeLine('hit POST 200 HIT /'), { kind: 'ignored' });
  assert.deepEqual(parseEdgeLine('hit OPTIONS 200 HIT /'), { kind: 'ignored' });
  assert.deepEqual(parseEdgeLine(''), { kind: 'ignored' });
  assert.deepEqual(parseEdgeLine('   '), { kind: 'ignored' });
});

test('a line in another format is reported as malformed, not silently skipped', () => {
  assert.deepEqual(parseEdgeLine('127.0.0.1 - - [27/Nov/2026:14:05:00 +0000] "GET / HTTP/1.1" 200 5120 "-" "curl/8"'), {
    kind: 'malformed',
  });
  assert.deepEqual(
    parseEdgeLine('hit GET 200 /'),
    { kind: 'malformed' },
    'the old four-field format, without the x-nextjs-cache header',
  );
  assert.deepEqual(parseEdgeLine('HIT GET 200 HIT /'), { kind: 'malformed' }, 'an unknown handling');
});

test('the format printed for varnishncsa yields the fields the parser reads, in its order', () => {
  assert.equal(VARNISHNCSA_FORMAT, '%{Varnish:handling}x %m %s %{x-nextjs-cache}o %U');
});
