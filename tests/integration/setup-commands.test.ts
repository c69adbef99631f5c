import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import postgres from 'postgres';
import { describeConnectionError } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { seedDatabase, seedIfEmpty } from '@/db/seed';
import { createDatabase, dropDatabase } from '../support/databases';

const name = `${(process.env.FRESHPRESS_TEST_TEMPLATE ?? 'freshpress_test').replace(/_template$/, '')}_setup_${process.pid}`;
after(() => dropDatabase(name));

test('migrating twice, seeding twice: the second run of each changes nothing', async () => {
  const url = await createDatabase(name);
  await migrateDatabase(url);
  await migrateDatabase(url);
  const lines: string[] = [];
  const first = await seedDatabase(url, (line) => lines.push(line));
  assert.equal(first.created, true);
  assert.equal(first.posts, 200);
  assert.equal(first.tags, 20);
  assert.ok(first.comments >= 2900 && first.comments <= 3100, String(first.comments));
  assert.match(lines.join('\n'), /Seeded 200 posts \(194 published, 6 drafts\), 20 tags and \d+ comments\./);

  const sql = postgres(url, { max: 1 });
  try {
    const count = async () =>
      (
        await sql`select (select count(*)::int from posts) as posts, (select count(*)::int from comments) as comments,
                 (select count(*)::int from tags) as tags, (select count(*)::int from post_tags) as links`
      )[0];
    const afterFirst = await count();
    assert.equal(afterFirst?.comments, first.comments);
    assert.equal((await seedDatabase(url, () => {})).created, false);
    assert.equal(await seedIfEmpty(url, () => {}), null);
    assert.deepEqual(await count(), afterFirst);

    // Deterministic: the same content every time, so demo links and tests can name posts.
    const [newest] = await sql`select slug from posts where status = 'published' order by published_at desc limit 1`;
    assert.match(String(newest?.slug), /^[a-z0-9-]+$/);
    const popular =
      await sql`select post_id, count(*)::int as n from comments group by post_id order by n desc limit 5`;
    assert.ok(
      popular.every((row) => row.n >= 80),
      'a few posts are popular',
    );
  } finally {
    await sql.end();
  }
});

test('connection failures are explained in a sentence that says what to do', async () => {
  const refused = 'postgres://postgres@127.0.0.1:1/none';
  const sql = postgres(refused, { max: 1, connect_timeout: 2 });
  const error = await sql`select 1`.catch((e: unknown) => e);
  await sql.end();
  assert.equal(
    describeConnectionError(error, refused),
    'PostgreSQL at 127.0.0.1:1 refused the connection: is it running?',
  );

  const missing = (process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres').replace(
    /\/[^/]*$/,
    '/no_such_database_here',
  );
  const sql2 = postgres(missing, { max: 1 });
  const error2 = await sql2`select 1`.catch((e: unknown) => e);
  await sql2.end();
  assert.match(describeConnectionError(error2, missing) ?? '', /does not exist/);
});
