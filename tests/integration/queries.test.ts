import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import {
  countPublishedPosts,
  countPublishedPostsByTag,
  countTagsInUse,
  findPublishedPostIdBySlug,
  getPostState,
  getPostSummaries,
  getPostTitles,
  getPublicPostSlug,
  getPublishedPost,
  listHiddenAncestors,
  listNewestPublishedSlugs,
  listPublishedComments,
  listPublishedIdBlocks,
  listPublishedPostIds,
  listPublishedPostIdsByTag,
  listRelatedPostIds,
  listSitemapPostsInIdRange,
  listTagsInUse,
  listTagsInUseSlice,
  tagExists,
} from '@/db/reads';
import { tagsInUseElsewhere } from '@/db/tags-in-use';
import { missingParents } from '@/lib/comments/thread';
import { deleteComment, insertCommentOnPublishedPost, insertPost, setCommentStatus, updatePost } from '@/db/writes';
import { seededDatabaseForFile } from '../support/test-database';

const database = seededDatabaseForFile('queries');

/** A comment the insert must store: its row, or the test fails with the refusal. */
async function stored(...args: Parameters<typeof insertCommentOnPublishedPost>) {
  const inserted = await insertCommentOnPublishedPost(...args);
  assert.ok(typeof inserted === 'object', `refused: ${String(inserted)}`);
  return inserted;
}

/** Published, three days from now: scheduled. */
const insertScheduledPost = (slug: string, db: typeof database.db) =>
  insertPost(
    { slug, title: 'Scheduled', body: 'x', status: 'published', publishedAt: new Date(Date.now() + 3 * 86_400_000) },
    db,
  );

describe('published post lists', () => {
  test('list ids newest first, without drafts, paging without overlap', async () => {
    const { db } = database;
    const total = await countPublishedPosts(db);
    assert.equal(total, 194);
    const first = await listPublishedPostIds(10, 0, db);
    const second = await listPublishedPostIds(10, 10, db);
    assert.equal(first.length, 10);
    assert.equal(new Set([...first, ...second]).size, 20);
    const all = await listPublishedPostIds(1000, 0, db);
    assert.equal(all.length, total);
    const summaries = await getPostSummaries(all, db);
    const dates = summaries.map((s) => s.publishedAt.getTime());
    assert.deepEqual(
      dates,
      [...dates].sort((a, b) => b - a),
    );
  });

  test('summaries come back in the order asked, with tags and published comment counts', async () => {
    const { db } = database;
    const ids = (await listPublishedPostIds(5, 0, db)).reverse();
    const summaries = await getPostSummaries(ids, db);
    assert.deepEqual(
      summaries.map((s) => s.id),
      ids,
    );
    for (const summary of summaries) {
      const comments = await listPublishedComments(summary.id, db);
      assert.equal(summary.commentCount, comments.length);
      assert.ok(summary.tags.length >= 1);
      assert.deepEqual(summary.tags, [...summary.tags].sort());
      assert.ok(summary.lead.length > 0 && summary.lead.length <= 1200);
    }
  });

  test('summaries leave out ids of drafts and of posts that do not exist', async () => {
    const { db } = database;
    const [published] = await listPublishedPostIds(1, 0, db);
    const draft = await insertPost({ slug: 'draft-for-summaries', title: 'Draft', body: 'x', status: 'draft' }, db);
    const summaries = await getPostSummaries([published!, draft.id, 999_999], db);
    assert.deepEqual(
      summaries.map((s) => s.id),
      [published],
    );
  });

  test('tag lists hold exactly the published posts carrying the tag', async () => {
    const { db } = database;
    const tags = await listTagsInUse(db);
    assert.equal(tags.length, 20);
    for (const name of tags.slice(0, 5)) {
      const ids = await listPublishedPostIdsByTag(name, 1000, 0, db);
      assert.equal(ids.length, await countPublishedPostsByTag(name, db));
      for (const summary of await getPostSummaries(ids, db)) assert.ok(summary.tags.includes(name));
    }
    assert.equal(await tagExists('no-such-tag', db), false);
    assert.deepEqual(await listPublishedPostIdsByTag('no-such-tag', 10, 0, db), []);
  });

  test('the sitemap reads, by blocks of ids and slices of tags, hold every published post and tag in use once', async () => {
    const { db } = database;
    const total = await countPublishedPosts(db);
    // Blocks of 50 ids, so the seed's 200 posts fill several.
    const blocks = await listPublishedIdBlocks(50, db);
    assert.deepEqual(
      blocks.map((b) => b.block),
      [1, 2, 3, 4],
    );
    const slugs: string[] = [];
    for (const { block, newest } of blocks) {
      const rows = await listSitemapPostsInIdRange((block - 1) * 50 + 1, block * 50, db);
      assert.ok(rows.length > 0 && rows.length <= 50);
      assert.equal(newest.getTime(), Math.max(...rows.map((row) => row.publishedAt.getTime())));
      slugs.push(...rows.map((row) => row.slug));
    }
    assert.equal(slugs.length, total);
    assert.equal(new Set(slugs).size, total);
    const newest = await listNewestPublishedSlugs(20, db);
    assert.ok(newest.every((slug) => slugs.includes(slug)));
    assert.deepEqual(await listSitemapPostsInIdRange(1_000_001, 1_050_000, db), []);

    const inUse = await listTagsInUse(db);
    assert.equal(await countTagsInUse(db), inUse.length);
    assert.deepEqual(
      [
        ...(await listTagsInUseSlice(0, 7, db)),
        ...(await listTagsInUseSlice(7, 7, db)),
        ...(await listTagsInUseSlice(14, 7, db)),
      ],
      inUse,
    );
  });

  test('a tag is in use elsewhere when a published post other than the ones named carries it', async () => {
    const { db } = database;
    const post = await insertPost(
      { slug: 'tags-in-use-probe', title: 'Probe', body: 'x', status: 'published', tags: ['probe-only', 'caching'] },
      db,
    );
    const [shared] = await listTagsInUse(db);
    assert.ok(shared);
    const elsewhere = await tagsInUseElsewhere(db, [post.id], ['probe-only', shared, 'caching'], false);
    assert.equal(elsewhere.has('probe-only'), false, 'only the probe carries it');
    assert.equal(elsewhere.has(shared), true);
    assert.equal((await tagsInUseElsewhere(db, [], ['probe-only'], false)).has('probe-only'), true);
    await db.transaction(async (tx) => {
      assert.deepEqual([...(await tagsInUseElsewhere(tx, [post.id], ['probe-only'], true))], []);
    });
    await updatePost(post.id, { status: 'draft' }, db);
    assert.equal((await tagsInUseElsewhere(db, [], ['probe-only'], false)).has('probe-only'), false);
  });
});

describe('a single post', () => {
  test('is found by slug only while published', async () => {
    const { db } = database;
    const [slug] = await listNewestPublishedSlugs(1, db);
    const id = await findPublishedPostIdBySlug(slug!, db);
    assert.ok(id);
    const post = await getPublishedPost(id, db);
    assert.equal(post?.slug, slug);
    assert.ok((post?.body.length ?? 0) > 100);
    await updatePost(id, { status: 'draft' }, db);
    assert.equal(await findPublishedPostIdBySlug(slug!, db), null);
    assert.equal(await getPublishedPost(id, db), null);
    await updatePost(id, { status: 'published' }, db);
    assert.equal(await findPublishedPostIdBySlug(slug!, db), id);
  });

  test('public comment rows never carry the e-mail address', async () => {
    const { db } = database;
    const [id] = await listPublishedPostIds(1, 0, db);
    const inserted = await stored(
      { postId: id!, authorName: 'Eve', authorEmail: 'eve.secret@example.net', body: 'Hello', status: 'published' },
      db,
    );
    await stored(
      {
        postId: id!,
        parentId: inserted.id,
        authorName: 'Eve',
        authorEmail: 'eve.secret@example.net',
        body: 'Hello again',
        status: 'published',
      },
      db,
    );
    const rows = await listPublishedComments(id!, db);
    assert.ok(rows.some((row) => row.id === inserted.id));
    assert.ok(!JSON.stringify(rows).includes('eve.secret@example.net'));
    assert.deepEqual(Object.keys(rows[0]!).sort(), [
      'authorName',
      'body',
      'createdAt',
      'id',
      'parentId',
      'parentRemoved',
    ]);
  });

  test('published comments are listed oldest first; pending and spam ones are not listed', async () => {
    const { db } = database;
    const [, id] = await listPublishedPostIds(2, 0, db);
    const before = await listPublishedComments(id!, db);
    const pending = await stored(
      { postId: id!, authorName: 'P', authorEmail: 'p@example.net', body: 'pending', status: 'pending' },
      db,
    );
    const spam = await stored(
      { postId: id!, authorName: 'S', authorEmail: 's@example.net', body: 'spam', status: 'spam' },
      db,
    );
    const after = await listPublishedComments(id!, db);
    assert.deepEqual(
      after.map((c) => c.id),
      before.map((c) => c.id),
    );
    const times = after.map((c) => c.createdAt.getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.deepEqual(await setCommentStatus(pending.id, 'published', db), { postId: id, previous: 'pending' });
    assert.equal((await listPublishedComments(id!, db)).at(-1)?.id, pending.id);
    assert.deepEqual(await deleteComment(spam.id, db), { postId: id, previous: 'spam', repliesShown: false });
    assert.equal(await deleteComment(spam.id, db), null);
  });

  test('a comment on a draft, a scheduled or a missing post is refused without storing anything', async () => {
    const { db } = database;
    const draft = await insertPost({ slug: 'draft-no-comments', title: 'Draft', body: 'x', status: 'draft' }, db);
    const scheduled = await insertScheduledPost('scheduled-no-comments', db);
    for (const postId of [draft.id, scheduled.id, 987_654]) {
      const inserted = await insertCommentOnPublishedPost(
        { postId, authorName: 'A', authorEmail: 'a@example.net', body: 'hi', status: 'published' },
        db,
      );
      assert.equal(inserted, 'closed');
    }
    assert.deepEqual(await listPublishedComments(draft.id, db), []);
    const stored = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from comments where post_id in (${draft.id}, ${scheduled.id})`,
    );
    assert.equal(stored[0]!.n, 0);
  });

  test('only a public post’s slug is given by id: not a draft’s, not a scheduled post’s', async () => {
    const { db } = database;
    const [publicId] = await listPublishedPostIds(1, 0, db);
    const draft = await insertPost({ slug: 'draft-no-slug', title: 'Draft', body: 'x', status: 'draft' }, db);
    const scheduled = await insertScheduledPost('scheduled-no-slug', db);
    assert.equal(await getPublicPostSlug(publicId!, db), (await getPostState(publicId!, db))!.slug);
    assert.equal(await getPublicPostSlug(draft.id, db), null);
    assert.equal(await getPublicPostSlug(scheduled.id, db), null);
    await updatePost(scheduled.id, { publishedAt: new Date(Date.now() - 1000) }, db);
    assert.equal(await getPublicPostSlug(scheduled.id, db), 'scheduled-no-slug');
  });
});

describe('post writes', () => {
  test('report the state before and after, including tags gained and lost', async () => {
    const { db } = database;
    const created = await insertPost(
      {
        slug: 'write-test',
        title: 'Write test',
        body: 'Body',
        status: 'published',
        tags: ['caching', 'brand-new-tag'],
      },
      db,
    );
    assert.equal(created.status, 'published');
    assert.ok(created.publishedAt);
    assert.deepEqual(created.tags, ['brand-new-tag', 'caching']);
    const result = await updatePost(created.id, { title: 'Write test, edited', tags: ['caching', 'redis'] }, db);
    assert.deepEqual(result?.before.tags, ['brand-new-tag', 'caching']);
    assert.deepEqual(result?.after.tags, ['caching', 'redis']);
    assert.equal(result?.after.title, 'Write test, edited');
    assert.equal((await getPostState(created.id, db))?.title, 'Write test, edited');
    assert.equal(await updatePost(999_999, { title: 'x' }, db), null);
  });

  test('a duplicate slug is refused and leaves nothing behind', async () => {
    const { db } = database;
    const [slug] = await listNewestPublishedSlugs(1, db);
    const before = await countPublishedPosts(db);
    await assert.rejects(
      insertPost({ slug: slug!, title: 'Dup', body: 'x', status: 'published', tags: ['a-tag-that-must-not-stay'] }, db),
      (error: { cause?: { code?: string } }) => error.cause?.code === '23505',
    );
    assert.equal(await countPublishedPosts(db), before);
    assert.equal(await tagExists('a-tag-that-must-not-stay', db), false);
  });
});

describe('related posts', () => {
  const day = 86_400_000;
  const t0 = new Date('2026-06-15T12:00:00Z');
  const post = (slug: string, offsetDays: number, tags: string[], status: 'published' | 'draft' = 'published') =>
    insertPost(
      { slug, title: slug, body: 'x', status, publishedAt: new Date(t0.getTime() + offsetDays * day), tags },
      database.db,
    );

  test('earlier public posts sharing the most tags, the newest first among equals; never the post itself, a later, draft or scheduled post', async () => {
    const { db } = database;
    const target = await post('rel-target', 0, ['rel-a', 'rel-b']);
    const bothNewer = await post('rel-both-newer', -1, ['rel-a', 'rel-b']);
    const oneNewer = await post('rel-one-newer', -2, ['rel-a']);
    await post('rel-one-older', -3, ['rel-b']);
    const bothOlder = await post('rel-both-older', -4, ['rel-a', 'rel-b', 'rel-c']);
    await post('rel-later', 1, ['rel-a', 'rel-b']);
    await post('rel-draft', -0.5, ['rel-a', 'rel-b'], 'draft');
    await post('rel-unrelated', -1, ['rel-z']);
    await insertPost(
      {
        slug: 'rel-scheduled',
        title: 'x',
        body: 'x',
        status: 'published',
        publishedAt: new Date(Date.now() + 3 * day),
        tags: ['rel-a', 'rel-b'],
      },
      db,
    );

    assert.deepEqual(await listRelatedPostIds(target.id, target.publishedAt!, 3, db), [
      bothNewer.id,
      bothOlder.id,
      oneNewer.id,
    ]);
    // The oldest of them has no earlier post to show.
    assert.deepEqual(await listRelatedPostIds(bothOlder.id, bothOlder.publishedAt!, 3, db), []);
    // Two posts at the same time: only the one with the lower id counts as earlier.
    const twin = await post('rel-twin', 0, ['rel-a', 'rel-b']);
    assert.ok(!(await listRelatedPostIds(target.id, target.publishedAt!, 10, db)).includes(twin.id));
    assert.ok((await listRelatedPostIds(twin.id, twin.publishedAt!, 10, db)).includes(target.id));
  });

  test('titles come back in the order asked, without drafts', async () => {
    const { db } = database;
    const a = await post('rel-title-a', -10, ['rel-t']);
    const b = await post('rel-title-b', -11, ['rel-t']);
    const draft = await post('rel-title-draft', -12, ['rel-t'], 'draft');
    const rows = await getPostTitles([b.id, draft.id, a.id], db);
    assert.deepEqual(
      rows.map((row) => [row.id, row.title]),
      [
        [b.id, 'rel-title-b'],
        [a.id, 'rel-title-a'],
      ],
    );
  });
});

describe('replies', () => {
  const as = (name: string, body: string) => ({
    authorName: name,
    authorEmail: `${name.toLowerCase()}@example.net`,
    body,
  });

  test("a reply to a published comment of the same post is stored under it, and counts in the post's comments", async () => {
    const { db } = database;
    const [, , postId] = await listPublishedPostIds(3, 0, db);
    const [before] = await getPostSummaries([postId!], db);
    const parent = await stored({ postId: postId!, ...as('Ann', 'A question?'), status: 'published' }, db);
    const reply = await stored(
      { postId: postId!, parentId: parent.id, ...as('Bob', 'An answer.'), status: 'published' },
      db,
    );
    assert.equal(reply.parentId, parent.id);
    assert.equal(parent.parentId, null);
    const rows = await listPublishedComments(postId!, db);
    assert.deepEqual(
      rows.filter((row) => row.id === parent.id || row.id === reply.id).map((row) => [row.id, row.parentId]),
      [
        [parent.id, null],
        [reply.id, parent.id],
      ],
    );
    const [after] = await getPostSummaries([postId!], db);
    assert.equal(after!.commentCount, before!.commentCount + 2);
  });

  test("a reply to a pending, spam or deleted comment, to another post's comment or to none is refused, and nothing is stored", async () => {
    const { db } = database;
    const [, , , postId, otherId] = await listPublishedPostIds(5, 0, db);
    const pending = await stored({ postId: postId!, ...as('Pat', 'held'), status: 'pending' }, db);
    const spam = await stored({ postId: postId!, ...as('Sam', 'spam'), status: 'spam' }, db);
    const elsewhere = await stored({ postId: otherId!, ...as('Oli', 'elsewhere'), status: 'published' }, db);
    const deleted = await stored({ postId: postId!, ...as('Dee', 'gone soon'), status: 'published' }, db);
    await deleteComment(deleted.id, db);
    for (const parentId of [pending.id, spam.id, elsewhere.id, deleted.id, 2_000_000_000]) {
      const refused = await insertCommentOnPublishedPost(
        { postId: postId!, parentId, ...as('Rex', 'refused reply'), status: 'published' },
        db,
      );
      assert.equal(refused, 'no-parent', `parent ${parentId}`);
    }
    // A closed post is refused as such first, whatever the parent: it says nothing of the comments.
    const draft = await insertPost({ slug: 'draft-no-replies', title: 'Draft', body: 'x', status: 'draft' }, db);
    assert.equal(
      await insertCommentOnPublishedPost(
        { postId: draft.id, parentId: pending.id, ...as('Rex', 'refused reply'), status: 'published' },
        db,
      ),
      'closed',
    );
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from comments where body = 'refused reply'`,
    );
    assert.equal(row!.n, 0);
  });

  test('a reply waits for a moderator hiding its parent at that moment, then is refused', async () => {
    const { db, url } = database;
    const [, , , , , postId] = await listPublishedPostIds(6, 0, db);
    const parent = await stored({ postId: postId!, ...as('Mia', 'about to be hidden'), status: 'published' }, db);
    const moderator = postgres(url, { max: 1, onnotice: () => {} });
    try {
      let hide!: () => void;
      let locked!: () => void;
      const hidden = new Promise<void>((resolve) => (hide = resolve));
      const holding = new Promise<void>((resolve) => (locked = resolve));
      // As setCommentStatus does it: the row locked, the status changed, not yet committed.
      const moderation = moderator.begin(async (tx) => {
        await tx`select id from comments where id = ${parent.id} for update`;
        await tx`update comments set status = 'spam' where id = ${parent.id}`;
        locked();
        await hidden;
      });
      await holding;
      const reply = insertCommentOnPublishedPost(
        { postId: postId!, parentId: parent.id, ...as('Raj', 'racing reply'), status: 'published' },
        db,
      );
      // No event says a backend has begun to wait for a lock: its state is polled.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [waiting] = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`);
        if (waiting!.n > 0) break;
        assert.ok(Date.now() < deadline, 'the reply never waited for the moderator');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      hide();
      await moderation;
      assert.equal(await reply, 'no-parent');
    } finally {
      await moderator.end({ timeout: 5 });
    }
  });

  test('deleting a comment keeps its replies, marked; the thread finds the hidden comments published replies hang from', async () => {
    const { db } = database;
    const [, , , , , , postId] = await listPublishedPostIds(7, 0, db);
    const a = await stored({ postId: postId!, ...as('Ann', 'top'), status: 'published' }, db);
    const b = await stored({ postId: postId!, parentId: a.id, ...as('Ben', 'middle'), status: 'published' }, db);
    const c = await stored({ postId: postId!, parentId: b.id, ...as('Cat', 'bottom'), status: 'published' }, db);
    const lone = await stored({ postId: postId!, ...as('Lou', 'no replies'), status: 'published' }, db);

    await setCommentStatus(a.id, 'spam', db);
    await setCommentStatus(b.id, 'pending', db);
    const published = (await listPublishedComments(postId!, db)).map((row) => ({
      ...row,
      createdAt: row.createdAt.toISOString(),
    }));
    assert.deepEqual(missingParents(published), [b.id]);
    const hidden = await listHiddenAncestors(postId!, missingParents(published), db);
    assert.deepEqual(
      hidden.map((row) => [row.id, row.parentId]),
      [
        [a.id, null],
        [b.id, a.id],
      ],
    );
    assert.ok(!JSON.stringify(hidden).includes('example.net') && !JSON.stringify(hidden).includes('middle'));

    // Hidden A holds published C (through hidden B): deleting it moves C on the page.
    assert.deepEqual(await deleteComment(a.id, db), { postId, previous: 'spam', repliesShown: true });
    const [orphan] = await db.execute<{ parent_id: number | null; parent_removed: boolean }>(
      sql`select parent_id, parent_removed from comments where id = ${b.id}`,
    );
    assert.deepEqual(orphan, { parent_id: null, parent_removed: true });
    const [kept] = await db.execute<{ parent_id: number | null; parent_removed: boolean }>(
      sql`select parent_id, parent_removed from comments where id = ${c.id}`,
    );
    assert.deepEqual(kept, { parent_id: b.id, parent_removed: false });
    assert.deepEqual(await deleteComment(lone.id, db), { postId, previous: 'published', repliesShown: false });
    // B holds published C directly.
    assert.deepEqual(await deleteComment(b.id, db), { postId, previous: 'pending', repliesShown: true });
    const [last] = await listPublishedComments(postId!, db).then((rows) => rows.filter((row) => row.id === c.id));
    assert.deepEqual([last!.parentId, last!.parentRemoved], [null, true]);
  });
});
