import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPublishedPostIdBySlug, listPublishedPostIds } from '@/db/reads';
import { claimDuePublications, nextPublicationDue } from '@/db/scheduled';
import { insertPost, updatePost } from '@/db/writes';
import { seededDatabaseForFile } from '../support/test-database';

const database = seededDatabaseForFile('scheduled');

test('a post published with a future time is on no list and has no public address until its time', async () => {
  const { db } = database;
  const at = new Date(Date.now() + 3600_000);
  const post = await insertPost(
    { slug: 'scheduled-later', title: 'Later', body: 'x', status: 'published', publishedAt: at },
    db,
  );
  assert.equal(await findPublishedPostIdBySlug('scheduled-later', db), null);
  assert.ok(!(await listPublishedPostIds(1000, 0, db)).includes(post.id));
  assert.equal((await nextPublicationDue(db))?.getTime(), at.getTime());
});

test('a post public at once is not announced again by the timer', async () => {
  const { db } = database;
  const post = await insertPost({ slug: 'published-now', title: 'Now', body: 'x', status: 'published' }, db);
  const claimed = await db.transaction((tx) => claimDuePublications(tx));
  assert.ok(!claimed.some((due) => due.id === post.id));
});

test('two servers claiming a due publication at once: exactly one gets it, and only once', async () => {
  const { db } = database;
  const post = await insertPost(
    {
      slug: 'scheduled-soon',
      title: 'Soon',
      body: 'x',
      status: 'published',
      publishedAt: new Date(Date.now() + 300),
      tags: ['soon'],
    },
    db,
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  const claims = await Promise.all([1, 2].map(() => db.transaction((tx) => claimDuePublications(tx))));
  const winners = claims.flat().filter((due) => due.id === post.id);
  assert.equal(winners.length, 1);
  assert.deepEqual(winners[0]!.tags, ['soon']);
  assert.equal(await findPublishedPostIdBySlug('scheduled-soon', db), post.id);
  assert.deepEqual(await db.transaction((tx) => claimDuePublications(tx)), []);

  // Re-dated into the future and due again: announced once more, at its new time.
  await updatePost(post.id, { publishedAt: new Date(Date.now() + 300) }, db);
  assert.deepEqual(await db.transaction((tx) => claimDuePublications(tx)), []);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(
    (await db.transaction((tx) => claimDuePublications(tx))).map((due) => due.id),
    [post.id],
  );
});
