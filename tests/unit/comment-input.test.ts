import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminCommentInput, COMMENT_LIMITS, CommentInput, readParentField } from '@/lib/comments/input';
import { renderRss } from '@/lib/content/feed';

const valid = { name: 'Ada', email: 'ada@example.com', body: 'Nice post.' };

test('a complete comment is accepted, trimmed', () => {
  const parsed = CommentInput.parse({ name: '  Ada ', email: ' ada@example.com ', body: ' Nice post. ' });
  assert.deepEqual(parsed, valid);
});

test('every field has a clear error when empty, too long or malformed', () => {
  const cases: [Partial<typeof valid>, string, RegExp][] = [
    [{ name: '   ' }, 'name', /give a name/],
    [{ name: 'x'.repeat(COMMENT_LIMITS.name + 1) }, 'name', /at most 80/],
    [{ email: 'not-an-address' }, 'email', /looks wrong/],
    [{ email: `${'a'.repeat(250)}@example.com` }, 'email', /at most 254/],
    [{ body: ' ' }, 'body', /write a comment/],
    [{ body: 'x'.repeat(COMMENT_LIMITS.body + 1) }, 'body', /at most 5000/],
  ];
  for (const [override, field, message] of cases) {
    const result = CommentInput.safeParse({ ...valid, ...override });
    assert.equal(result.success, false, JSON.stringify(override));
    const issue = result.error?.issues.find((i) => i.path[0] === field);
    assert.match(issue?.message ?? '', message);
  }
});

test('a NUL is refused with a message beside its field; bidi overrides and control characters are removed', () => {
  const nul = CommentInput.safeParse({ ...valid, body: 'before\u0000after' });
  assert.equal(nul.success, false);
  assert.match(nul.error?.issues.find((i) => i.path[0] === 'body')?.message ?? '', /NUL character/);
  const disguised = CommentInput.parse({
    ...valid,
    name: '\u202Eada\u202C\u0007',
    body: 'line one\nline\u001B two\b\t!',
  });
  assert.equal(disguised.name, 'ada');
  assert.equal(disguised.body, 'line one\nline two\t!');
  // A name of nothing but disguises is no name.
  assert.equal(CommentInput.safeParse({ ...valid, name: '\u202E\u2066' }).success, false);
});

test('the feed escapes titles, excerpts and bylines, and names an author only where the post has one', () => {
  const xml = renderRss({ title: 'A & B', description: '<d>', siteUrl: 'https://blog.test' }, [
    {
      id: 1,
      slug: 's',
      title: '<script>x</script>',
      excerpt: 'a & b',
      publishedAt: '2026-01-01T00:00:00.000Z',
      tags: ['t'],
      author: 'Ada <Lovelace> & co',
    },
    { id: 2, slug: 't', title: 'T', excerpt: 'e', publishedAt: '2025-01-01T00:00:00.000Z', tags: [], author: null },
  ]);
  assert.match(xml, /xmlns:dc="http:\/\/purl.org\/dc\/elements\/1.1\/"/);
  assert.equal(xml.match(/<dc:creator>/g)?.length, 1);
  assert.match(xml, /<dc:creator>Ada &lt;Lovelace&gt; &amp; co<\/dc:creator>/);
  assert.match(xml, /<title>&lt;script&gt;x&lt;\/script&gt;<\/title>/);
  assert.match(xml, /<title>A &amp; B<\/title>/);
  assert.doesNotMatch(xml, /<script>/);
  assert.match(xml, /<pubDate>Thu, 01 Jan 2026 00:00:00 GMT<\/pubDate>/);
});

test('the public form allows a few links, counted as readers will see them', async () => {
  const { publicCommentInput } = await import('@/lib/comments/input');
  const form = publicCommentInput(3);
  const links = (n: number) => Array.from({ length: n }, (_, i) => `see https://example.com/${i}`).join(' and ');
  assert.equal(form.safeParse({ ...valid, body: links(3) }).success, true);
  const refused = form.safeParse({ ...valid, body: links(4) });
  assert.equal(refused.success, false);
  assert.match(refused.error?.issues[0]?.message ?? '', /at most 3 web addresses/);
  // Not links to a reader, so not counted: no scheme, or a scheme that is never linked.
  assert.equal(
    form.safeParse({ ...valid, body: 'example.com www.example.org javascript:alert(1) ftp://x.example' }).success,
    true,
  );
  assert.match(
    publicCommentInput(0).safeParse({ ...valid, body: links(1) }).error?.issues[0]?.message ?? '',
    /cannot contain web addresses/,
  );
});

test("a reply's parent field is a plain id; anything else no form sends is refused, empty or absent is no reply", () => {
  const form = (value?: string) => {
    const data = new FormData();
    if (value !== undefined) data.set('parent', value);
    return data;
  };
  assert.equal(readParentField(form()), null);
  assert.equal(readParentField(form('')), null);
  assert.equal(readParentField(form('42')), 42);
  for (const bad of ['0', '-1', '01', '1e3', '2147483648', '99999999999999999999', 'abc', ' 1', '1.5', '\u0000'])
    assert.equal(readParentField(form(bad)), 'invalid', JSON.stringify(bad));
  const file = new FormData();
  file.set('parent', new Blob(['42']), 'parent.txt');
  assert.equal(readParentField(file), 'invalid');
});

test("the admin API's comment takes an optional parentId within PostgreSQL's integer range", () => {
  const base = { postId: 3, authorName: 'Ada', authorEmail: 'ada@example.com', body: 'Nice post.' };
  assert.equal(AdminCommentInput.parse({ ...base, parentId: 12 }).parentId, 12);
  assert.equal(AdminCommentInput.parse(base).parentId, undefined);
  assert.equal(AdminCommentInput.parse({ ...base, parentId: null }).parentId, null);
  for (const parentId of [0, -1, 1.5, 2147483648, '12', [12]])
    assert.equal(AdminCommentInput.safeParse({ ...base, parentId }).success, false, JSON.stringify(parentId));
});
