import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommentText } from '@/lib/comments/text';
import { excerptFromMarkdown } from '@/lib/content/excerpt';
import { renderMarkdown } from '@/lib/content/markdown';
import { parseId, parsePageNumber, parsePageQuery, parseSlug, parseTag } from '@/lib/core/route-params';

describe('comment text', () => {
  test('blank lines split paragraphs and single newlines split lines', () => {
    const paragraphs = parseCommentText('first line\nsecond line\n\n\nnext paragraph');
    assert.equal(paragraphs.length, 2);
    assert.equal(paragraphs[0]!.length, 2);
    assert.deepEqual(paragraphs[1], [[{ kind: 'text', text: 'next paragraph' }]]);
  });

  test('http and https URLs become links without their closing punctuation', () => {
    const [line] = parseCommentText('See https://example.com/a?b=1, or (http://example.org/x).')[0]!;
    assert.deepEqual(line, [
      { kind: 'text', text: 'See ' },
      { kind: 'link', href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', or (' },
      { kind: 'link', href: 'http://example.org/x', text: 'http://example.org/x' },
      { kind: 'text', text: ').' },
    ]);
  });

  test('markup and other schemes stay plain text', () => {
    const body = '<script>alert(1)</script> javascript:alert(1) <a href="https://x.test">x</a>';
    const segments = parseCommentText(body).flat(2);
    assert.ok(segments.every((s) => s.kind === 'text' || s.href.startsWith('https://x.test')));
    assert.equal(
      segments
        .map((s) => (s.kind === 'text' ? s.text : s.href))
        .join('')
        .includes('<script>'),
      true,
    );
  });

  test('long URLs are shortened for display but link to the whole address', () => {
    const url = `https://example.com/${'a'.repeat(100)}`;
    const [segment] = parseCommentText(url)[0]![0]!;
    assert.equal(segment?.kind, 'link');
    assert.equal(segment?.kind === 'link' && segment.href, url);
    assert.ok(segment!.text.length <= 58);
  });
});

describe('excerpts', () => {
  test('skip headings and code, keep the opening prose without Markdown syntax', () => {
    const md =
      '## Why\n\nCaching **whole pages** is [simple](https://x.test) and `fast`.\n\n```ts\nconst x = 1;\n```\n\n> Quoted';
    assert.equal(excerptFromMarkdown(md), 'Caching whole pages is simple and fast. Quoted');
  });

  test('are cut at a word boundary with an ellipsis', () => {
    const excerpt = excerptFromMarkdown('word '.repeat(100), 30);
    assert.ok(excerpt.length <= 31);
    assert.match(excerpt, /^(word ?)+…$/);
    assert.doesNotMatch(excerpt, / …$/);
  });
});

describe('Markdown rendering', () => {
  test('renders Markdown and removes scripts and event handlers', () => {
    const html = renderMarkdown(
      '# Title\n\nHello <script>alert(1)</script><img src="x.png" onerror="alert(1)">\n\n[x](javascript:alert(1))',
    );
    assert.match(html, /<h2>Title<\/h2>/);
    assert.doesNotMatch(html, /<script|onerror|javascript:/i);
    assert.match(html, /<img src="x.png" loading="lazy" \/>/);
  });

  test('external links get rel=noopener; code blocks keep their language class', () => {
    const html = renderMarkdown('[site](https://example.org)\n\n```sql\nselect 1;\n```');
    assert.match(html, /<a href="https:\/\/example.org" rel="noopener noreferrer">site<\/a>/);
    assert.match(html, /<code class="language-sql">/);
  });
});

describe('page numbers', () => {
  test('accept plain positive integers only', () => {
    assert.equal(parsePageNumber('2'), 2);
    assert.equal(parsePageNumber('120'), 120);
    for (const bad of ['0', '02', '-1', '1e3', 'abc', '', '2.5', '9999999'])
      assert.equal(parsePageNumber(bad), null, bad);
  });

  test('an admin list’s ?page= is page 1 when absent, and nothing (a 404) when it is not one page number', () => {
    assert.equal(parsePageQuery(undefined), 1);
    assert.equal(parsePageQuery('2'), 2);
    for (const bad of ['', '0', '-3', 'abc', '2x', '1e3', '9999999', '%00'])
      assert.equal(parsePageQuery(bad), null, bad);
    assert.equal(parsePageQuery(['1', '2']), null);
  });
});

test('route parameters that cannot name content are refused before any query', () => {
  assert.equal(parseId('2147483647'), 2147483647);
  for (const bad of ['2147483648', '0', '-1', '01', '1e3', '', '9'.repeat(20)]) assert.equal(parseId(bad), null, bad);
  assert.equal(parseSlug('back-pressure-in-practice'), 'back-pressure-in-practice');
  for (const bad of ['%00', 'a\u0000b', 'A', 'a--b', '-a', 'a'.repeat(101), '../etc', 'caf%C3%A9'])
    assert.equal(parseSlug(bad), null, bad);
  assert.equal(parseTag('caching'), 'caching');
  assert.equal(parseTag('ca%63hing'), 'caching');
  for (const bad of ['%25', '%E0%A4%A', '%00', 'a%2Fb', 'x'.repeat(5000), 'Caching'])
    assert.equal(parseTag(bad), null, bad);
});
