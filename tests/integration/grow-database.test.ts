import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import postgres from 'postgres';
import { createDatabase as connect } from '@/db/client';
import { startEmbeddedPostgres } from '@/db/embedded';
import { growDatabase, GrowRefused } from '@/db/grow';
import { migrateDatabase } from '@/db/migrate';
import {
  countPublishedPosts,
  countPublishedPostsByTag,
  findPublishedPostIdBySlug,
  getPostSummaries,
  getPublishedPost,
  listPublishedComments,
  listPublishedPostIds,
  listPublishedPostIdsByTag,
} from '@/db/reads';
import { seedDatabase } from '@/db/seed';
import { parseSlug } from '@/lib/core/route-params';
import { createDatabase, dropDatabase } from '../support/databases';
import { seededDatabaseForFile } from '../support/test-database';

const database = seededDatabaseForFile('grow');

/** `npm run db:grow -- …args`, as a developer runs it. */
function runGrow(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', 'scripts/grow-database.ts', ...args],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

function envWith(values: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...values };
  for (const [name, value] of Object.entries(values)) if (value === undefined) delete env[name];
  return env;
}

interface GrownPost {
  id: number;
  slug: string;
  title: string;
  body: string;
  status: string;
  published_at: Date;
  updated_at: Date;
  announced_at: Date | null;
  tags: number;
  comments: number;
  published_comments: number;
  first_comment: Date | null;
  last_comment: Date | null;
}

async function postsWithIdsAbove(sql: postgres.Sql, id: number): Promise<GrownPost[]> {
  return sql<GrownPost[]>`
    select p.id, p.slug, p.title, p.body, p.status::text, p.published_at, p.updated_at, p.announced_at,
      (select count(distinct tag_id)::int from post_tags where post_id = p.id) as tags,
      (select count(*)::int from comments where post_id = p.id) as comments,
      (select count(*)::int from comments where post_id = p.id and status = 'published') as published_comments,
      (select min(created_at) from comments where post_id = p.id) as first_comment,
      (select max(created_at) from comments where post_id = p.id) as last_comment
    from posts p where p.id > ${id} order by p.id`;
}

describe('growing the database (npm run db:grow)', () => {
  test('adds N published archive posts, each with two tags and five published comments, older than every post already published', async () => {
    const { db, url } = database;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [before] = await sql<{ max_id: number; oldest: Date; newest: Date; comments: number }[]>`
        select (select max(id) from posts) as max_id,
          (select min(published_at) from posts where status = 'published') as oldest,
          (select max(published_at) from posts where status = 'published') as newest,
          (select count(*)::int from comments) as comments`;
      const published = await countPublishedPosts(db);
      const homepage = await listPublishedPostIds(10, 0, db);

      const { code, output } = await runGrow(['60'], envWith({ DATABASE_URL: url }));
      assert.equal(code, 0, output);
      assert.match(
        output,
        /Added 60 published posts \(ids \d+–\d+, published \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\), 120 tag links and 300 published comments in [\d.]+ s\./,
      );
      assert.match(output, /The database now holds \d+ posts and [\d,]+ comments\./);

      const grown = await postsWithIdsAbove(sql, before!.max_id);
      assert.equal(grown.length, 60);
      for (const post of grown) {
        assert.equal(post.status, 'published');
        assert.ok(post.published_at < before!.oldest, `post ${post.id} is older than the oldest published post`);
        assert.ok(post.updated_at >= post.published_at);
        // An import writes rows directly: the caches are told by the server, which announces them.
        assert.equal(post.announced_at, null);
        assert.equal(parseSlug(post.slug), post.slug, `slug ${post.slug} is a valid address`);
        assert.ok(post.body.length >= 600 && post.body.length <= 6000, `body of ${post.body.length} characters`);
        assert.match(post.body, /^## /m);
        assert.equal(post.tags, 2);
        assert.equal(post.comments, 5);
        assert.equal(post.published_comments, 5);
        assert.ok(post.first_comment! >= post.published_at && post.last_comment! <= new Date());
      }
      // Tag names for search are written with each post, so the post_tags trigger rewrites none:
      // a row it rewrote would carry a command id later than its tag links'.
      const [names] = await sql<{ wrong: number; rewritten: number }[]>`
        select count(*) filter (where p.tag_names <> (select string_agg(t.name, ' ' order by t.name)
            from post_tags pt join tags t on t.id = pt.tag_id where pt.post_id = p.id))::int as wrong,
          count(*) filter (where p.cmin::text::int > (select min(pt.cmin::text::int) from post_tags pt where pt.post_id = p.id))::int as rewritten
        from posts p where p.id > ${before!.max_id}`;
      assert.deepEqual(names, { wrong: 0, rewritten: 0 });
      // Spread over years, ids ascending with dates as an import writes them.
      const years = new Set(grown.map((post) => post.published_at.getUTCFullYear()));
      assert.ok(years.size >= 5, `published over ${years.size} years`);
      assert.deepEqual(
        grown.map((post) => post.published_at.getTime()),
        grown.map((post) => post.published_at.getTime()).sort((a, b) => a - b),
      );

      const [unique] = await sql<{ posts: number; slugs: number; titles: number; comments: number }[]>`
        select count(*)::int as posts, count(distinct slug)::int as slugs, count(distinct title)::int as titles,
          (select count(*)::int from comments) as comments from posts`;
      assert.equal(unique!.slugs, unique!.posts);
      assert.equal(unique!.titles, unique!.posts);
      assert.equal(unique!.comments, before!.comments + 300);

      // What readers see: the newest pages unchanged, the archive at the end of the list, every post whole.
      assert.equal(await countPublishedPosts(db), published + 60);
      assert.deepEqual(await listPublishedPostIds(10, 0, db), homepage);
      const [newestAfter] = await sql<{ newest: Date }[]>`
        select max(published_at) as newest from posts where status = 'published'`;
      assert.deepEqual(newestAfter!.newest, before!.newest);
      const last = await listPublishedPostIds(10, published + 50, db);
      assert.deepEqual(
        last,
        grown
          .slice(0, 10)
          .map((post) => post.id)
          .reverse(),
      );
      for (const summary of await getPostSummaries(last, db)) {
        assert.equal(summary.commentCount, 5);
        assert.equal(summary.tags.length, 2);
        assert.ok(summary.lead.length > 0);
      }
      const sample = grown[17]!;
      assert.equal(await findPublishedPostIdBySlug(sample.slug, db), sample.id);
      const page = await getPublishedPost(sample.id, db);
      assert.equal(page?.title, sample.title);
      assert.equal(page?.tags.length, 2);
      assert.equal((await listPublishedComments(sample.id, db)).length, 5);
      const tag = page!.tags[0]!;
      const tagged = await listPublishedPostIdsByTag(tag, 10_000, 0, db);
      assert.ok(tagged.includes(sample.id));
      assert.equal(await countPublishedPostsByTag(tag, db), tagged.length);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  test('a second run adds as many again, dated before the first, with titles and slugs still unique', async () => {
    const { url } = database;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [before] = await sql<{ max_id: number; oldest: Date; posts: number }[]>`
        select (select max(id) from posts) as max_id, (select count(*)::int from posts) as posts,
          (select min(published_at) from posts where status = 'published') as oldest`;
      const lines: string[] = [];
      const report = await growDatabase(url, { posts: 25 }, (line) => lines.push(line));
      assert.equal(report.posts, 25);
      assert.equal(report.comments, 125);
      assert.equal(report.totalPosts, before!.posts + 25);
      assert.ok(report.firstId > before!.max_id);
      assert.ok(report.newest < before!.oldest, 'the second batch is older than the first');
      assert.match(lines.join('\n'), /^Adding 25 published posts dated/);
      const [unique] = await sql<{ posts: number; slugs: number; titles: number }[]>`
        select count(*)::int as posts, count(distinct slug)::int as slugs, count(distinct title)::int as titles from posts`;
      assert.equal(unique!.slugs, unique!.posts);
      assert.equal(unique!.titles, unique!.posts);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});

describe('what db:grow refuses', () => {
  const emptyName = `${(process.env.FRESHPRESS_TEST_TEMPLATE ?? 'freshpress_test').replace(/_template$/, '')}_grow_empty_${process.pid}`;
  after(() => dropDatabase(emptyName));

  test('a bad count, an unseeded database and a missing embedded database are refused with what to do, changing nothing', async () => {
    const { url } = database;
    for (const args of [[], ['abc'], ['0'], ['-5'], ['2000000'], ['10', '--years']]) {
      const { code, output } = await runGrow(args, envWith({ DATABASE_URL: url }));
      assert.equal(code, 1, `${args.join(' ')}: ${output}`);
      assert.match(output, /usage: npm run db:grow -- <posts>/, args.join(' '));
    }

    const emptyUrl = await createDatabase(emptyName);
    await migrateDatabase(emptyUrl);
    await assert.rejects(
      growDatabase(emptyUrl, { posts: 5 }, () => {}),
      GrowRefused,
    );
    const { db, sql } = connect(emptyUrl, { max: 1 });
    try {
      assert.equal(await countPublishedPosts(db), 0);
    } finally {
      await sql.end({ timeout: 5 });
    }

    const nowhere = await mkdtemp(path.join(tmpdir(), 'freshpress-grow-none-'));
    try {
      const { code, output } = await runGrow(
        ['10'],
        envWith({ DATABASE_URL: undefined, FRESHPRESS_DATA_DIR: nowhere }),
      );
      assert.equal(code, 1, output);
      assert.match(output, /No DATABASE_URL, and no embedded database in .*: run npm start once/);
    } finally {
      await rm(nowhere, { recursive: true, force: true });
    }
  });
});

test('without DATABASE_URL it grows the embedded database npm start keeps, and refuses at once while a server holds it', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'freshpress-grow-embedded-'));
  const env = envWith({ DATABASE_URL: undefined, FRESHPRESS_DATA_DIR: dataDir });
  try {
    let embedded = await startEmbeddedPostgres(dataDir);
    try {
      await migrateDatabase(embedded.url);
      await seedDatabase(embedded.url, () => {});
      const started = Date.now();
      const held = await runGrow(['20'], env);
      assert.equal(held.code, 1, held.output);
      assert.match(held.output, /in use by another process; stop it first/);
      assert.ok(Date.now() - started < 30_000, 'refused without waiting for the server to stop');
    } finally {
      await embedded.stop();
    }

    const grown = await runGrow(['20'], env);
    assert.equal(grown.code, 0, grown.output);
    assert.match(grown.output, /growing the embedded database/);
    assert.match(grown.output, /Added 20 published posts .*, 40 tag links and 100 published comments/);

    embedded = await startEmbeddedPostgres(dataDir);
    const { db, sql } = connect(embedded.url, { max: 1 });
    try {
      assert.equal(await countPublishedPosts(db), 194 + 20);
      const [counts] = await sql<{ unannounced: number; comments: number }[]>`
        select (select count(*)::int from posts where announced_at is null and status = 'published') as unannounced,
          (select count(*)::int from comments c join posts p on p.id = c.post_id where p.announced_at is null) as comments`;
      assert.deepEqual(counts, { unannounced: 20, comments: 100 });
    } finally {
      await sql.end({ timeout: 5 });
      await embedded.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
