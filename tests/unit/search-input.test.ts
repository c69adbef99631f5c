import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainTextFromMarkdown } from '@/lib/content/excerpt';
import { edgeHeaders } from '@/lib/edge/headers';
import {
  framedExcerpt,
  highlightSegments,
  MARK_START,
  MARK_STOP,
  plainHeadline,
  withoutControls,
} from '@/lib/search/highlight';
import { cleanQuery, MAX_QUERY_LENGTH, parseSearchRequest, searchHref } from '@/lib/search/input';

const S = MARK_START;
const E = MARK_STOP;

test('an absent, empty or blank query asks for the form alone, whatever the page', () => {
  assert.deepEqual(parseSearchRequest({}), { kind: 'empty' });
  assert.deepEqual(parseSearchRequest({ q: '' }), { kind: 'empty' });
  assert.deepEqual(parseSearchRequest({ q: ' \t\n ', page: 'abc' }), { kind: 'empty' });
  assert.deepEqual(parseSearchRequest({ q: '\u0000\u0001\u202E' }), { kind: 'empty' });
});

test('a query is searched as typed, spaces collapsed, on page 1 unless a plain page number says otherwise', () => {
  assert.deepEqual(parseSearchRequest({ q: '  cache   "stale while" -redis ' }), {
    kind: 'search',
    query: 'cache "stale while" -redis',
    page: 1,
  });
  assert.deepEqual(parseSearchRequest({ q: 'cache', page: '3' }), { kind: 'search', query: 'cache', page: 3 });
});

test('a page that is not one plain page number is a bad page (a 404), never a search', () => {
  for (const page of ['0', '-1', 'abc', '1e3', '02', '', ' 2', '2.5', '9999999', '99999999999999999999', '%00']) {
    assert.deepEqual(parseSearchRequest({ q: 'cache', page }), { kind: 'bad-page', query: 'cache' }, page);
  }
  assert.deepEqual(parseSearchRequest({ q: 'cache', page: ['2', '3'] }), { kind: 'bad-page', query: 'cache' });
  // The largest page a URL may name is searched (an empty page past the end, not an error).
  assert.deepEqual(parseSearchRequest({ q: 'cache', page: '999999' }), {
    kind: 'search',
    query: 'cache',
    page: 999999,
  });
});

test('a repeated q is read as its first value', () => {
  assert.deepEqual(parseSearchRequest({ q: ['first', 'second'] }), { kind: 'search', query: 'first', page: 1 });
});

test('control characters (NUL and the highlight markers among them) and bidi overrides never reach a search', () => {
  const cleaned = cleanQuery(`a\u0000b${S}c${E}d\u0007e\u007f\u0085f\u202Eg\u2066h\ri\nj`);
  assert.equal(cleaned, 'a b c d e f g h i j');
  assert.doesNotMatch(cleaned, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  // Emoji, right-to-left scripts and lone surrogates are text like any other (a lone surrogate made well formed).
  assert.equal(cleanQuery('שלום 🙂 مرحبا'), 'שלום 🙂 مرحبا');
  assert.equal(cleanQuery('a\ud800b'), 'a\ufffdb');
});

test(`a query over ${MAX_QUERY_LENGTH} characters is refused with its length, and kept short for the form`, () => {
  const exactly = 'x'.repeat(MAX_QUERY_LENGTH);
  assert.deepEqual(parseSearchRequest({ q: exactly }), { kind: 'search', query: exactly, page: 1 });
  const long = parseSearchRequest({ q: 'word '.repeat(2048) });
  assert.equal(long.kind, 'too-long');
  assert.ok(long.kind === 'too-long' && long.length === 10_239 && [...long.query].length <= MAX_QUERY_LENGTH);
  // Characters, not UTF-16 units: 200 emoji are a query of 200.
  assert.equal(parseSearchRequest({ q: '🙂'.repeat(MAX_QUERY_LENGTH) }).kind, 'search');
  assert.equal(parseSearchRequest({ q: '🙂'.repeat(MAX_QUERY_LENGTH + 1) }).kind, 'too-long');
  // The limit counts what would be searched: spaces and controls around it do not.
  assert.equal(parseSearchRequest({ q: `  ${exactly}\u0000\u0000  ` }).kind, 'search');
});

test('result pages have addresses of their own; page 1 has no page parameter', () => {
  assert.equal(searchHref('cache & "edge"'), '/search?q=cache+%26+%22edge%22');
  assert.equal(searchHref('cache', 1), '/search?q=cache');
  assert.equal(searchHref('cache', 2), '/search?q=cache&page=2');
  assert.deepEqual(parseSearchRequest(Object.fromEntries(new URL(searchHref('a&b=c', 4), 'http://x').searchParams)), {
    kind: 'search',
    query: 'a&b=c',
    page: 4,
  });
});

test('highlights are split at the markers into text runs; nothing in the text is taken as markup', () => {
  assert.deepEqual(highlightSegments(`The ${S}cache${E} & <script>alert(1)</script> ${S}edge${E}`), [
    { text: 'The ', marked: false },
    { text: 'cache', marked: true },
    { text: ' & <script>alert(1)</script> ', marked: false },
    { text: 'edge', marked: true },
  ]);
  assert.deepEqual(highlightSegments('<mark>not a highlight</mark>'), [
    { text: '<mark>not a highlight</mark>', marked: false },
  ]);
});

test('stray, doubled or unbalanced markers mark nothing more than the text between a start and a stop', () => {
  assert.deepEqual(highlightSegments(`a${E}b${S}${S}c${E}${E}d${S}e`), [
    { text: 'ab', marked: false },
    { text: 'c', marked: true },
    { text: 'd', marked: false },
    { text: 'e', marked: true },
  ]);
  assert.deepEqual(highlightSegments(''), []);
  assert.equal(plainHeadline(`x${S}y${E}\u0000z`), 'xyz');
});

test('the text given to ts_headline holds no control character, so every marker in its answer is its own', () => {
  const text = withoutControls(
    plainTextFromMarkdown(`Body with ${S}fake${E} markers &#2; and a NUL \u0000 and &#x3;.`),
  );
  assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f]/);
  assert.deepEqual(
    highlightSegments(text).map((segment) => segment.marked),
    [false],
  );
});

test('an excerpt says "…" where it leaves text out, and not at the opening or the end of the text', () => {
  const text = 'One two three four five six seven eight nine ten.';
  assert.equal(framedExcerpt(`One ${S}two${E} three`, text), `One ${S}two${E} three …`);
  assert.equal(framedExcerpt(`${S}four${E} five`, text), `… ${S}four${E} five …`);
  assert.equal(framedExcerpt(`nine ${S}ten${E}.`, text), `… nine ${S}ten${E}.`);
  assert.equal(framedExcerpt(`One two … ${S}ten${E}.`, text), `One two … ${S}ten${E}.`);
  assert.equal(framedExcerpt(text, text), text);
  assert.equal(framedExcerpt('', text), '');
});

test('a body is searched and excerpted as the text a reader sees, with no Markdown or HTML syntax', () => {
  const markdown = [
    '# Why caches lie ##',
    '',
    'Some **bold**, _emphasis_, ~~struck~~ and `code` with a [link](https://example.com/x) and <b>html</b>.',
    '',
    '![A diagram of the edge](/img/edge.png)',
    '',
    '| Tier | Hits |',
    '|:-----|-----:|',
    '| edge | 90 |',
    '',
    '```ts',
    'const ttl = 60 * 60;',
    '```',
    '',
    '> A quote &amp; an entity &#8212; &lt;script&gt;',
    '',
    '- first item',
    '- second item',
  ].join('\n');
  assert.equal(
    plainTextFromMarkdown(markdown),
    'Why caches lie. Some bold, emphasis, struck and code with a link and html. A diagram of the edge ' +
      'Tier Hits edge 90 const ttl = 60 * 60; A quote & an entity — <script> first item second item',
  );
});

test('a results page keeps the Cache-Control Next gives a dynamic page, and no tier in front gets keys or a lifetime', () => {
  const dynamic = 'private, no-cache, no-store, max-age=0, must-revalidate';
  for (const edge of ['none', 'varnish', 'fastly', 'cloudflare'] as const) {
    assert.deepEqual(edgeHeaders(dynamic, 'all posts:list', { edge, maxAge: 3600 }), {
      cacheControl: dynamic,
      tier: [],
    });
  }
});
