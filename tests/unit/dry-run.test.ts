import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planOnPages } from '@/lib/admin/dry-run';
import { planCommentAction } from '@/lib/comments/moderation';
import { planPostSave } from '@/lib/posts/dry-run';
import type { CachedPage } from '@/lib/page-cache/listing';

/*
 * The dry run without a server: the writer's own rule says which tags an action invalidates, and
 * the listing of the cache says which pages carry them. The tags are the ones lib/content/readers.ts puts
 * on its readers; the pages, what a warm cache of a small blog holds.
 */

const pages: CachedPage[] = [
  { page: '/', tags: ['posts:list', 'post:3', 'post:3:comments', 'post:4', 'post:4:comments'] },
  { page: '/posts/back-pressure', tags: ['slug:back-pressure', 'post:3', 'post:3:comments'] },
  { page: '/posts/other', tags: ['slug:other', 'post:4', 'post:4:comments'] },
  { page: '/tags/queues', tags: ['tag:queues', 'post:3'] },
  { page: '/tags/systems', tags: ['tag:systems', 'post:3', 'post:4'] },
  { page: '/tags/other', tags: ['tag:other', 'post:4'] },
  { page: '/tags/caching', tags: ['tag:caching', 'post:4'] },
  { page: '/page/2', tags: ['posts:list', 'post:5'] },
];

const pending = { id: 12, postId: 3, status: 'pending' as const };
const published = { id: 13, postId: 3, status: 'published' as const };

test("approving a pending comment invalidates its post's comments: the pages showing them are rebuilt, the post's tag pages stay", () => {
  const plan = planCommentAction('approve', pending, pages);
  assert.deepEqual(plan.tags, ['post:3:comments']);
  assert.deepEqual(plan.rebuilt, ['/', '/posts/back-pressure']);
  assert.deepEqual(plan.stayCached, ['/tags/queues', '/tags/systems']);
  assert.equal(
    plan.summary,
    "Approving rebuilds / and /posts/back-pressure — they show this post's comments; 2 pages of this post stay cached.",
  );
});

test('marking a pending comment spam or deleting it invalidates nothing and says so', () => {
  for (const action of ['spam', 'delete'] as const) {
    const plan = planCommentAction(action, pending, pages);
    assert.deepEqual(plan.tags, []);
    assert.deepEqual(plan.rebuilt, []);
    assert.match(plan.summary, /rebuilds nothing — no page shows this comment; 4 pages of this post stay cached\.$/);
  }
});

test('removing a published comment rebuilds the same pages approving it did', () => {
  for (const action of ['spam', 'delete'] as const) {
    const plan = planCommentAction(action, published, pages);
    assert.deepEqual(plan.tags, ['post:3:comments']);
    assert.deepEqual(plan.rebuilt, ['/', '/posts/back-pressure']);
  }
});

test('a tag no cached page carries is named, with no page', () => {
  const plan = planCommentAction(
    'approve',
    pending,
    pages.filter((page) => !page.tags.includes('post:3:comments')),
  );
  assert.deepEqual(plan.rebuilt, []);
  assert.equal(
    plan.summary,
    'Approving invalidates post:3:comments, which no cached page carries now; 2 pages of this post stay cached.',
  );
});

test('one page rebuilt is spoken of in the singular', () => {
  const plan = planCommentAction('approve', pending, pages.slice(1, 2));
  assert.equal(plan.summary, "Approving rebuilds /posts/back-pressure — it shows this post's comments.");
});

test("a reply is planned as any comment: approving or deleting it rebuilds the pages showing its post's comments", () => {
  // The queue's row of a reply carries nothing a plan reads beyond what a comment's does.
  const reply = { id: 14, postId: 3, status: 'pending' as const, repliesShown: false };
  assert.deepEqual(planCommentAction('approve', reply, pages), planCommentAction('approve', pending, pages));
  const publishedReply = { ...reply, status: 'published' as const };
  assert.deepEqual(planCommentAction('delete', publishedReply, pages).rebuilt, ['/', '/posts/back-pressure']);
});

test('deleting a hidden comment that published replies hang from rebuilds its post: its placeholder goes; spam or pending changes nothing', () => {
  const holding = { id: 15, postId: 3, status: 'spam' as const, repliesShown: true };
  const plan = planCommentAction('delete', holding, pages);
  assert.deepEqual(plan.tags, ['post:3:comments']);
  assert.deepEqual(plan.rebuilt, ['/', '/posts/back-pressure']);
  assert.deepEqual(planCommentAction('delete', { ...holding, repliesShown: false }, pages).tags, []);
  assert.deepEqual(planCommentAction('spam', { ...holding, status: 'pending' }, pages).tags, []);
});

const post = {
  id: 3,
  slug: 'back-pressure',
  title: 'Back pressure',
  status: 'published' as const,
  publishedAt: new Date('2026-01-01T00:00:00Z'),
  tags: ['queues', 'systems'],
};

test("a published post's title edit rebuilds the pages showing it; a list page without it stays cached", () => {
  const plan = planPostSave(post, { title: 'Back pressure, again' }, pages);
  assert.deepEqual(plan.tags, ['post:3']);
  assert.deepEqual(plan.rebuilt, ['/', '/posts/back-pressure', '/tags/queues', '/tags/systems']);
  assert.deepEqual(plan.stayCached, ['/page/2']);
  assert.equal(
    plan.summary,
    'Saving rebuilds /, /posts/back-pressure, /tags/queues and /tags/systems — they show this post; 1 page of the post lists stays cached.',
  );
});

test('a retag rebuilds the gained and the lost tag pages, before anything is saved', () => {
  const plan = planPostSave(post, { tags: ['caching', 'queues'] }, pages, new Date('2026-02-15T00:00:00Z'));
  assert.deepEqual(plan.tags, [
    'post:3',
    'tag:systems',
    'tag:caching',
    'tags:in-use',
    'related:caching:2026-01',
    'related:caching:2026-02',
  ]);
  assert.deepEqual(plan.rebuilt, ['/', '/posts/back-pressure', '/tags/queues', '/tags/systems', '/tags/caching']);
});

test('saving a draft rebuilds nothing; publishing it rebuilds the lists', () => {
  const draft = { ...post, status: 'draft' as const, publishedAt: null };
  assert.match(
    planPostSave(draft, { title: 'Still a draft' }, pages).summary,
    /^Saving rebuilds nothing — no page shows this post/,
  );
  const now = new Date('2026-02-01T00:00:00Z');
  const published = planPostSave(draft, { status: 'published' }, pages, now);
  assert.ok(published.tags.includes('posts:list'));
  assert.ok(published.rebuilt.includes('/page/2'));
});

test('the core counts as staying only the pages that carry a related tag, and speaks in the words it is given', () => {
  const words = { verb: 'Doing it', subject: 'this thing', why: () => 'they show this thing', staying: 'nearby' };
  const plan = planOnPages(['post:4:comments'], ['tag:other'], pages, words);
  assert.deepEqual(plan.rebuilt, ['/', '/posts/other']);
  assert.deepEqual(plan.stayCached, ['/tags/other']);
  assert.equal(
    plan.summary,
    'Doing it rebuilds / and /posts/other — they show this thing; 1 page nearby stays cached.',
  );
  assert.equal(planOnPages([], [], pages, words).summary, 'Doing it rebuilds nothing — no page shows this thing.');
});

test('a change that rebuilds thousands of pages names a few and counts the rest', () => {
  const many: CachedPage[] = Array.from({ length: 5000 }, (_, i) => ({ page: `/posts/p${i}`, tags: ['all'] }));
  const plan = planOnPages(['all'], [], many, {
    verb: 'Importing',
    subject: 'the import',
    why: () => 'they show everything',
    staying: 'of it',
  });
  assert.equal(plan.rebuilt.length, 5000);
  assert.equal(
    plan.summary,
    'Importing rebuilds /posts/p0, /posts/p1, /posts/p2, /posts/p3, /posts/p4, /posts/p5, /posts/p6, /posts/p7 and 4,992 more — they show everything.',
  );
});

test('when the cache cannot be listed, the plan names the tags it would invalidate and says the pages are not known', () => {
  const plan = planCommentAction('approve', pending, null);
  assert.deepEqual(plan.tags, ['post:3:comments']);
  assert.deepEqual(plan.rebuilt, []);
  assert.match(plan.summary, /^Approving invalidates post:3:comments; the cached pages cannot be listed now/);
});

test('the dry run of a retag names the later posts whose related posts the post may now enter', () => {
  const withRelated: CachedPage[] = [
    ...pages,
    { page: '/posts/later-on-caching', tags: ['slug:later-on-caching', 'post:9', 'related:caching:2026-02'] },
    { page: '/posts/earlier-on-caching', tags: ['slug:earlier-on-caching', 'post:1', 'related:caching:2025-12'] },
  ];
  const plan = planPostSave(post, { tags: ['caching', 'queues'] }, withRelated, new Date('2026-02-15T00:00:00Z'));
  assert.ok(plan.rebuilt.includes('/posts/later-on-caching'));
  assert.ok(!plan.rebuilt.includes('/posts/earlier-on-caching'));
});
