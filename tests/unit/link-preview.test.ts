import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { CARD_FONT_RUNS, clipText, drawableText, tagsThatFit } from '@/lib/content/card-text';
import { blogPosting, jsonForScript } from '@/lib/content/json-ld';
import { postCardPath } from '@/lib/content/link-preview';
import { fontCodePoints, runsOf } from '../support/font-cmap';

const HOSTILE_TITLES = [
  '</script><script>alert(1)</script>',
  '</SCRIPT ><img src=x onerror=alert(1)>',
  '<!--<script>',
  '--><!-- x',
  'line\u2028separator\u2029paragraph',
  '"quotes" \'apostrophes\' `backticks` \\ backslash',
  'a & b &amp; c',
  'control \u0001\u001f and a lone surrogate \ud800',
  ']]> {"@type":"Thing"}',
];

/** Where an HTML parser ends a script element that starts with this text: the first "</script". */
function scriptText(html: string): string {
  const open = '<script type="application/ld+json">';
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.toLowerCase().indexOf('</script', start));
}

test('JSON-LD text holds no "<", ">", "&", U+2028 or U+2029, whatever the title, and reads back as the title', () => {
  for (const title of HOSTILE_TITLES) {
    const text = jsonForScript({ headline: title });
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/, title);
    assert.deepEqual(JSON.parse(text), { headline: title }, title);
    // In a page, the element ends where it should: nothing of the title closes it or opens another.
    const html = `<script type="application/ld+json">${text}</script><p>after</p>`;
    assert.equal(scriptText(html), text, title);
    assert.equal(html.match(/<script/gi)?.length, 1, title);
  }
});

test('the escapes are JSON’s own \\u form, so any JSON reader gets the characters back', () => {
  assert.equal(
    jsonForScript('</script><!-- & \u2028\u2029'),
    '"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029"',
  );
  assert.equal(jsonForScript(['"', '\\', '\n']), '["\\"","\\\\","\\n"]');
  assert.throws(() => jsonForScript(undefined), TypeError);
});

test('a BlogPosting names the post, its addresses, dates and tags, its author or else the site, and the site as publisher', () => {
  const input = {
    url: 'https://blog.example.com/posts/a',
    imageUrl: 'https://blog.example.com/posts/a/opengraph-image?v=1',
    siteUrl: 'https://blog.example.com',
    siteName: 'Freshpress',
    title: '</script><script>alert(1)</script>',
    description: 'An excerpt.',
    publishedAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-02-03T04:05:06.000Z',
    tags: ['caching', 'redis'],
    author: null,
  };
  const data = blogPosting(input);
  const site = { '@type': 'Organization', name: 'Freshpress', url: 'https://blog.example.com/' };
  assert.deepEqual(JSON.parse(jsonForScript(data)), {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: '</script><script>alert(1)</script>',
    description: 'An excerpt.',
    url: 'https://blog.example.com/posts/a',
    mainEntityOfPage: { '@type': 'WebPage', '@id': 'https://blog.example.com/posts/a' },
    image: ['https://blog.example.com/posts/a/opengraph-image?v=1'],
    datePublished: '2026-01-02T03:04:05.000Z',
    dateModified: '2026-02-03T04:05:06.000Z',
    keywords: ['caching', 'redis'],
    inLanguage: 'en',
    author: site,
    publisher: site,
  });
  // A post with an author names that person; the site stays the publisher.
  assert.deepEqual(blogPosting({ ...input, author: 'Ada' }).author, { '@type': 'Person', name: 'Ada' });
});

test('a card’s address changes with what the card shows, and only with that', () => {
  const post = { slug: 'a', title: 'A title', publishedAt: '2026-01-02T03:04:05.000Z', tags: ['caching'] };
  const path = postCardPath(post);
  assert.match(path, /^\/posts\/a\/opengraph-image\?v=[\w-]{12}$/);
  assert.equal(postCardPath({ ...post }), path);
  for (const changed of [
    { ...post, title: 'Another title' },
    { ...post, tags: ['caching', 'redis'] },
    { ...post, publishedAt: '2026-01-03T03:04:05.000Z' },
  ])
    assert.notEqual(postCardPath(changed), path);
});

test('the card font’s characters are those of the font Next ships', () => {
  const require = createRequire(import.meta.url);
  const font = require.resolve('next/dist/compiled/@vercel/og/Geist-Regular.ttf');
  assert.deepEqual(
    runsOf(fontCodePoints(font)),
    CARD_FONT_RUNS.map(([first, last]) => [first, last]),
    'Next’s font changed: update CARD_FONT_RUNS in lib/content/card-text.ts from it',
  );
});

test('a card draws only what its font has: nothing would be fetched from the network', () => {
  assert.equal(drawableText('Caching 🚀 in 東京, Ωmega — “quoted” café'), 'Caching in , Ωmega — “quoted” café');
  // Decomposed accents are composed first, so the font's "é" is used.
  assert.equal(drawableText('cafe\u0301'), 'café');
  assert.equal(drawableText('  tabs\tand\nnew\u2028lines  '), 'tabs and new lines');
  assert.equal(drawableText('🚀🚀'), '');
  assert.equal(drawableText('</script><script>alert(1)</script>'), '</script><script>alert(1)</script>');
});

test('long titles are clipped at a word, with an ellipsis', () => {
  assert.equal(clipText('short', 10), 'short');
  assert.equal(clipText('one two three four five', 14), 'one two three…');
  assert.equal(clipText('x'.repeat(30), 10), `${'x'.repeat(10)}…`);
  assert.equal(Array.from(clipText('é'.repeat(200), 160)).length, 161);
});

test('the card’s tags stop where the line would run out, and the rest are counted', () => {
  const tags = ['architecture', 'databases', 'networking', 'observability'];
  assert.deepEqual(tagsThatFit(tags, 2000, 30), { shown: tags, more: 0 });
  const some = tagsThatFit(tags, 760, 30);
  assert.ok(some.shown.length > 0 && some.shown.length < tags.length);
  assert.equal(some.shown.length + some.more, tags.length);
  assert.deepEqual(tagsThatFit(tags, 10, 30), { shown: [], more: 4 });
  assert.deepEqual(tagsThatFit([], 10, 30), { shown: [], more: 0 });
});

test('the statistics tell two cards apart by their bytes, and a page by its HTML without the render marker', async () => {
  const { bodyDigest } = await import('@/lib/page-cache/rebuilds');
  const card = (bytes: number[]) =>
    ({ kind: 'APP_ROUTE', status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from(bytes) }) as never;
  // Read as UTF-8, both are the same three replacement characters.
  assert.notEqual(bodyDigest(card([0x89, 0xfe, 0xff])), bodyDigest(card([0x89, 0xfe, 0xfd])));
  assert.equal(bodyDigest(card([1, 2, 3])), bodyDigest(card([1, 2, 3])));
  const page = (marker: string) =>
    ({ kind: 'APP_PAGE', html: `<meta name="x-generated-at" content="${marker}"/><p>same</p>`, headers: {} }) as never;
  assert.equal(bodyDigest(page('2026-01-01T00:00:00.000Z')), bodyDigest(page('2026-01-02T00:00:00.000Z')));
});
