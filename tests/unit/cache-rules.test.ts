import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PostState } from '@/db/reads';
import { effectiveInvalidation, relatedTagsFrom, tagKind, tags } from '@/lib/core/cache-tags';
import { config } from '@/lib/core/config';
import { describePostChange } from '@/lib/posts/writers';

const published: PostState = {
  id: 7,
  slug: 'on-caching',
  title: 'On caching',
  status: 'published',
  publishedAt: new Date('2026-01-01T10:00:00Z'),
  tags: ['caching', 'performance'],
};

// Three months after the fixture's publication: the related-posts tags span January to March.
const now = new Date('2026-03-15T12:00:00Z');
const sinceJanuary = (...names: string[]) =>
  names.flatMap((name) => ['2026-01', '2026-02', '2026-03'].map((month) => tags.related(name, month)));

describe('tags for post changes', () => {
  test('editing the text of a published post invalidates that post only', () => {
    const change = describePostChange(published, { ...published, title: 'On caching, again' });
    assert.deepEqual(change?.tags, [tags.post(7)]);
    assert.equal(change?.event.kind, 'post-edited');
  });

  test('publishing invalidates the list, the slug, the sitemap block and every tag of the post', () => {
    const draft = { ...published, status: 'draft' as const, publishedAt: null };
    const change = describePostChange(draft, published, new Set(['caching', 'performance']), now);
    assert.deepEqual(
      new Set(change?.tags),
      new Set([
        tags.post(7),
        tags.slug('on-caching'),
        tags.postList,
        tags.postBlock(1),
        tags.tag('caching'),
        tags.tag('performance'),
        ...sinceJanuary('caching', 'performance'),
      ]),
    );
    assert.equal(change?.event.kind, 'post-published');
  });

  test('publishing the first post of a tag brings the tag into use; its other tags being in use elsewhere does not', () => {
    const draft = { ...published, status: 'draft' as const, publishedAt: null };
    assert.ok(describePostChange(draft, published, new Set(['caching']))?.tags.includes(tags.tagsInUse));
    assert.ok(describePostChange(published, draft, new Set(['performance']))?.tags.includes(tags.tagsInUse));
    assert.ok(
      !describePostChange(published, draft, new Set(['caching', 'performance']))?.tags.includes(tags.tagsInUse),
    );
    // Unknown: every tag the post joins or leaves is taken to change its use.
    assert.ok(describePostChange(draft, published)?.tags.includes(tags.tagsInUse));
  });

  test('the sitemap block of a post follows its id, 50,000 ids a block', () => {
    const at = (id: number) => describePostChange(null, { ...published, id }, new Set(published.tags))?.tags ?? [];
    assert.ok(at(50_000).includes(tags.postBlock(1)));
    assert.ok(at(50_001).includes(tags.postBlock(2)));
    assert.ok(!at(50_001).includes(tags.postBlock(1)));
  });

  test('scheduling a post, or editing it before its time, invalidates nothing: it is on no page yet', () => {
    const scheduled = { ...published, publishedAt: new Date(Date.now() + 3600_000) };
    assert.equal(describePostChange(null, scheduled), null);
    assert.equal(describePostChange({ ...published, status: 'draft', publishedAt: null }, scheduled), null);
    assert.equal(describePostChange(scheduled, { ...scheduled, title: 'Soon' }), null);
  });

  test('moving a public post to a future time takes it off the lists until then', () => {
    const change = describePostChange(published, { ...published, publishedAt: new Date(Date.now() + 3600_000) });
    assert.equal(change?.event.kind, 'post-unpublished');
    assert.ok(change?.tags.includes(tags.postList));
  });

  test('unpublishing and re-dating change list membership too', () => {
    assert.equal(describePostChange(published, { ...published, status: 'draft' })?.event.kind, 'post-unpublished');
    const redated = describePostChange(published, { ...published, publishedAt: new Date('2026-02-01T00:00:00Z') });
    assert.equal(redated?.event.kind, 'post-redated');
    assert.ok(redated?.tags.includes(tags.postList));
  });

  test('changing tags invalidates the tags gained and lost, not the ones kept, and the tags in use', () => {
    const change = describePostChange(published, { ...published, tags: ['caching', 'redis'] }, new Set(), now);
    assert.deepEqual(
      new Set(change?.tags),
      new Set([tags.post(7), tags.tag('performance'), tags.tag('redis'), tags.tagsInUse, ...sinceJanuary('redis')]),
    );
    assert.equal(change?.event.kind, 'post-retagged');
  });

  test('a retag between tags other published posts carry leaves the tags in use, and the sitemap, alone', () => {
    const change = describePostChange(
      published,
      { ...published, tags: ['caching', 'redis'] },
      new Set(['performance', 'redis']),
      now,
    );
    assert.deepEqual(
      new Set(change?.tags),
      new Set([tags.post(7), tags.tag('performance'), tags.tag('redis'), ...sinceJanuary('redis')]),
    );
  });

  test('renaming a slug frees the old one, claims the new one and rebuilds the sitemap block', () => {
    const change = describePostChange(published, { ...published, slug: 'caching-whole-pages' });
    assert.deepEqual(
      new Set(change?.tags),
      new Set([tags.post(7), tags.slug('on-caching'), tags.slug('caching-whole-pages'), tags.postBlock(1)]),
    );
  });

  test('a post becomes a related-posts candidate of later posts only: publishing, re-dating and gaining a tag name the months from its time to now', () => {
    assert.deepEqual(relatedTagsFrom(['a'], new Date('2025-11-30T23:59:59Z'), now), [
      'related:a:2025-11',
      'related:a:2025-12',
      'related:a:2026-01',
      'related:a:2026-02',
      'related:a:2026-03',
    ]);
    assert.deepEqual(relatedTagsFrom(['a', 'b'], new Date('2026-03-01T00:00:00Z'), now), [
      'related:a:2026-03',
      'related:b:2026-03',
    ]);
    assert.deepEqual(relatedTagsFrom(['a'], new Date('2026-04-01T00:00:00Z'), now), []);
    const redated = describePostChange(
      published,
      { ...published, publishedAt: new Date('2026-02-10T00:00:00Z') },
      new Set(published.tags),
      now,
    );
    const related = redated?.tags.filter((tag) => tag.startsWith('related:')) ?? [];
    assert.deepEqual(
      new Set(related),
      new Set(['2026-02', '2026-03'].flatMap((m) => [`related:caching:${m}`, `related:performance:${m}`])),
    );
  });

  test('a post that stops being a candidate, or is only edited, names no related-posts month: the pages listing it carry its own tag', () => {
    const edited = describePostChange(published, { ...published, title: 'Retitled' }, new Set(), now);
    const unpublished = describePostChange(published, { ...published, status: 'draft' }, new Set(), now);
    const untagged = describePostChange(published, { ...published, tags: ['caching'] }, new Set(), now);
    for (const change of [edited, unpublished, untagged]) {
      assert.ok(change?.tags.includes(tags.post(7)));
      assert.deepEqual(
        change?.tags.filter((tag) => tag.startsWith('related:')),
        [],
      );
    }
  });

  test('a draft that stays a draft invalidates nothing', () => {
    const draft = { ...published, status: 'draft' as const, publishedAt: null };
    assert.equal(describePostChange(draft, { ...draft, title: 'x' }), null);
    assert.equal(describePostChange(null, draft), null);
  });
});

describe('tag kinds', () => {
  test('classify every tag the builders make', () => {
    assert.equal(tagKind(tags.post(1)), 'post');
    assert.equal(tagKind(tags.comments(1)), 'comments');
    assert.equal(tagKind(tags.postList), 'list');
    assert.equal(tagKind(tags.tagsInUse), 'list');
    assert.equal(tagKind(tags.postBlock(3)), 'list');
    assert.equal(tagKind(tags.tag('css')), 'tag');
    assert.equal(tagKind(tags.related('css', '2026-01')), 'tag');
    assert.equal(tagKind(tags.slug('a-b')), 'slug');
    assert.equal(tagKind(tags.everything), 'all');
    assert.equal(tagKind('_N_T_/posts/a'), 'other');
  });
});

describe('changes of any size', () => {
  const event = { kind: 'post-published' as const, description: 'an import' };
  const postTags = (n: number) => Array.from({ length: n }, (_, i) => tags.post(i + 1));

  test('a change up to INVALIDATION_BULK_THRESHOLD tags invalidates exactly those tags, each once', () => {
    const changed = [...postTags(config.INVALIDATION_BULK_THRESHOLD), tags.post(1), tags.post(2)];
    const { tags: invalidated, event: recorded } = effectiveInvalidation(changed, event);
    assert.equal(invalidated.length, config.INVALIDATION_BULK_THRESHOLD);
    assert.deepEqual(recorded, event);
  });

  test('a larger change invalidates the whole site with one tag, and its event counts the tags it touched', () => {
    const changed = postTags(config.INVALIDATION_BULK_THRESHOLD + 1);
    const { tags: invalidated, event: recorded } = effectiveInvalidation(changed, event);
    assert.deepEqual(invalidated, [tags.everything]);
    assert.deepEqual(recorded, { ...event, bulkTags: config.INVALIDATION_BULK_THRESHOLD + 1 });
  });
});
