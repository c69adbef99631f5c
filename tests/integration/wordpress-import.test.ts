import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { createDatabase } from '@/db/client';
import { startEmbeddedPostgres } from '@/db/embedded';
import { migrateDatabase } from '@/db/migrate';
import { findAccountByEmail } from '@/db/accounts';
import { acceptLink, createInvitation } from '@/lib/accounts/links';
import { verifyPassword } from '@/lib/accounts/passwords';
import { renderMarkdown } from '@/lib/content/markdown';
import { processSlot } from '@/lib/core/process-singleton';
import { parseSlug, parseTag } from '@/lib/core/route-params';
import { importArchive } from '@/lib/moving/import';
import { readWordPressExport, UnreadableExport } from '@/lib/moving/wordpress';
import { dropDatabase, freshSeededDatabase } from '../support/databases';
import { sampleExport, UNREACHABLE_PHOTO } from '../support/wordpress-export';

/*
 * A WordPress export made here, read and imported into PostgreSQL: what becomes a post, a tag, an
 * account and a threaded comment, what is left out and why, what the bodies keep of WordPress's
 * HTML and shortcodes, and that a second import doubles nothing.
 */

const SITE = 'https://old.example';
const pool = processSlot<ReturnType<typeof createDatabase>>('database.pool');
let database = { name: '', url: '' };

before(async () => {
  database = await freshSeededDatabase('wpimport');
  // The invitation's modules use the app's own pool (db/client.ts getDb).
  pool.set(createDatabase(database.url, { max: 4 }));
});

after(async () => {
  await pool.get()?.sql.end({ timeout: 5 });
  pool.set(null);
  if (database.name) await dropDatabase(database.name);
});

function runImport(
  args: string[],
  env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', 'scripts/import-blog.ts', 'wordpress', ...args],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('reading a WordPress export', () => {
  const now = new Date();
  const archive = readWordPressExport(sampleExport(SITE, 'rd', now), now);
  const post = (id: string) => archive.posts.find((p) => p.sourceId === id);

  test('posts keep their state and dates; pages, menu items and trashed posts are left out with their reason', () => {
    assert.equal(archive.source, `wordpress:${SITE}`);
    assert.deepEqual(
      archive.posts.map((p) => [p.sourceId, p.status]),
      [
        ['10', 'published'],
        ['11', 'published'],
        ['12', 'draft'],
        ['14', 'draft'],
        ['13', 'published'],
        ['16', 'published'],
      ],
    );
    assert.equal(
      post('10')!.publishedAt!.getTime(),
      Math.floor(now.getTime() / 60_000) * 60_000 - 120 * 60_000,
      'its GMT date',
    );
    // Scheduled in WordPress: published at its future time, which the publication timer announces.
    assert.ok(post('13')!.publishedAt! > now);
    assert.equal(post('12')!.publishedAt, null);
    const reasons = Object.fromEntries(archive.skipped.map((s) => [s.what.split(' “')[0], s.reason]));
    assert.equal(reasons['page 20'], 'a page, not a post');
    assert.equal(reasons['nav_menu_item 30'], 'a nav_menu_item, not a post');
    assert.equal(reasons['post 15'], 'status trash');
    assert.ok(
      !Object.keys(reasons).some((what) => what.startsWith('attachment')),
      'attachments are not reported as skipped',
    );
  });

  test('slugs and tag names follow Freshpress rules; categories and tags are tags; authors come with their address', () => {
    for (const p of archive.posts) assert.equal(parseSlug(p.slug), p.slug);
    // An empty WordPress slug (a draft's) comes from the title.
    assert.equal(post('12')!.slug, 'a-draft-rd');
    // Percent-encoded and accented, lowercased; WordPress's "Uncategorized" is no tag.
    assert.deepEqual(post('10')!.tags, ['ete-rd', 'harbour-news-rd']);
    for (const name of post('10')!.tags) assert.equal(parseTag(name), name);
    assert.deepEqual(
      archive.authors.map((a) => [a.key, a.email, a.name]),
      [
        ['ann', 'ann@old.example', 'Ann Archer'],
        ['bob', 'bob@old.example', 'Bob Baker'],
      ],
    );
    assert.equal(post('11')!.authorKey, 'bob');
  });

  test('approved comments keep their threading; pending, spam, trashed comments and pingbacks are reported', () => {
    const threads = archive.comments.map((c) => [c.sourceId, c.parentSourceId, c.parentRemoved]);
    assert.deepEqual(threads, [
      ['100', null, false],
      ['101', '100', false],
      ['102', '101', false],
      // Its parent was pending: it stays a reply, under "this comment was removed".
      ['106', null, true],
    ]);
    const skips = archive.skipped
      .filter((s) => s.what.startsWith('comment'))
      .map((s) => [s.what.split(' ')[1], s.reason]);
    assert.deepEqual(skips, [
      ['103', 'pending: it was waiting for moderation'],
      ['104', 'spam'],
      ['105', 'in the trash'],
      ['107', 'a pingback, not a comment'],
    ]);
    // Comments are plain text here: tags and scripts gone, words kept.
    assert.equal(archive.comments[1]!.body, 'Thanks Carol, agreed rd.');
    assert.equal(archive.comments[2]!.body, 'Third level rd');
  });

  test('bodies: shortcodes become HTML or go, block comments and scripts go, text is not read as Markdown', () => {
    const body = post('10')!.body;
    assert.doesNotMatch(body, /\[\/?(caption|gallery|embed|audio|contact-form-7)\b/);
    assert.doesNotMatch(body, /wp:paragraph|<script|onerror|pwned/);
    assert.match(
      body,
      /<figure><img src="[^"]+harbour\.jpg" alt="The harbour"[^>]*\/><figcaption>The harbour at dawn<\/figcaption><\/figure>/,
    );
    // The gallery shows the attachment by its id; the post keeps the attachment's address.
    assert.match(
      body,
      /<figure><img src="http:\/\/127\.0\.0\.1:9\/wp-content\/uploads\/2024\/01\/harbour\.jpg" alt="Harbour at dawn"/,
    );
    assert.match(
      body,
      /<a href="https:\/\/video\.example\/watch\?v=abc123"[^>]*>https:\/\/video\.example\/watch\?v=abc123<\/a>/,
    );
    assert.match(body, /<a href="https:\/\/old\.example\/files\/interview\.mp3"[^>]*>interview\.mp3<\/a>/);
    assert.match(body, /First line of a poem<br \/>\nsecond line of the poem/);
    const html = renderMarkdown(body);
    assert.match(html, /snake_case_name stay as they were \[sic\]\./);
    assert.doesNotMatch(html, /<script|onerror|<em>case/);
    assert.deepEqual(archive.attachments, [{ sourceId: '50', url: UNREACHABLE_PHOTO }]);
  });

  test('a file that is not a WordPress export is refused with what to do', () => {
    assert.throws(() => readWordPressExport('<rss><channel><title>x</title></channel></rss>'), UnreadableExport);
    assert.throws(() => readWordPressExport('not xml at all <'), UnreadableExport);
  });
});

describe('importing into the database', () => {
  test('posts, tags, accounts and threaded comments in one change with one invalidation; run again, nothing doubles', async () => {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const { db } = pool.get()!;
    try {
      const [last] = await sql<{ n: number }[]>`select coalesce(max(id), 0)::int as n from invalidations`;
      const outbox = last!.n;
      const now = new Date();
      const archive = readWordPressExport(sampleExport(SITE, 'db', now), now);
      const first = await importArchive(db, archive, now);
      assert.deepEqual(first.posts, { added: 6, updated: 0, unchanged: 0 });
      assert.deepEqual(first.comments, { added: 4, unchanged: 0 });
      assert.deepEqual(first.authors, { added: 2, existing: 0 });
      assert.ok(first.notes.some((note) => /the slug moving-day-db was taken, it is moving-day-db-2/.test(note)));

      const posts = await sql<
        {
          source_id: string;
          slug: string;
          status: string;
          published_at: Date | null;
          announced_at: Date | null;
          author: string | null;
          tags: string;
        }[]
      >`select p.source_id, p.slug, p.status::text, p.published_at, p.announced_at, u.email as author, p.tag_names as tags
        from posts p left join users u on u.id = p.author_id where p.source = ${archive.source} order by p.source_id::int`;
      const byId = Object.fromEntries(posts.map((p) => [p.source_id, p]));
      assert.deepEqual(Object.keys(byId), ['10', '11', '12', '13', '14', '16']);
      assert.equal(byId['10']!.slug, 'moving-day-db');
      assert.equal(byId['16']!.slug, 'moving-day-db-2');
      assert.equal(byId['10']!.author, 'ann@old.example');
      assert.equal(byId['11']!.author, 'bob@old.example');
      assert.equal(byId['10']!.tags, 'ete-db harbour-news-db');
      // Public at once: announced by the import's own invalidation. Scheduled: left to the timer.
      assert.deepEqual(byId['10']!.announced_at, byId['10']!.published_at);
      assert.equal(byId['13']!.status, 'published');
      assert.equal(byId['13']!.announced_at, null);
      assert.equal(byId['12']!.status, 'draft');

      const comments = await sql<
        { source_id: string; parent: string | null; parent_removed: boolean; status: string }[]
      >`
        select c.source_id, parent.source_id as parent, c.parent_removed, c.status::text
        from comments c left join comments parent on parent.id = c.parent_id
        where c.source = ${archive.source} order by c.source_id::int`;
      assert.deepEqual(
        comments.map((c) => [c.source_id, c.parent, c.parent_removed, c.status]),
        [
          ['100', null, false, 'published'],
          ['101', '100', false, 'published'],
          ['102', '101', false, 'published'],
          ['106', null, true, 'published'],
        ],
      );

      // One row in the outbox for the whole import, naming the new public posts and lists.
      const rows = await sql<{ tags: string[] }[]>`select tags from invalidations where id > ${outbox}`;
      assert.equal(rows.length, 1);
      const tags = rows[0]!.tags;
      for (const tag of [
        'posts:list',
        'tag:ete-db',
        'tag:harbour-news-db',
        'slug:moving-day-db',
        'slug:moving-day-db-2',
      ])
        assert.ok(tags.includes(tag), `invalidates ${tag}`);
      assert.ok(!tags.includes('slug:scheduled-db'), 'the scheduled post is not public yet');
      assert.equal(first.invalidation?.tags, tags.length);

      const second = await importArchive(db, readWordPressExport(sampleExport(SITE, 'db', now), now), now);
      assert.deepEqual(second.posts, { added: 0, updated: 0, unchanged: 6 });
      assert.deepEqual(second.comments, { added: 0, unchanged: 4 });
      assert.deepEqual(second.authors, { added: 0, existing: 2 });
      assert.equal(second.invalidation, null);
      const [counts] = await sql<{ posts: number; comments: number; outbox: number }[]>`
        select (select count(*)::int from posts where source = ${archive.source}) as posts,
          (select count(*)::int from comments where source = ${archive.source}) as comments,
          (select count(*)::int from invalidations where id > ${outbox}) as outbox`;
      assert.deepEqual(counts, { posts: 6, comments: 4, outbox: 1 });

      // A post changed in WordPress since is updated in place, under its slug.
      const edited = sampleExport(SITE, 'db', now).replace('Bob writes with', 'Bob now writes with');
      const third = await importArchive(db, readWordPressExport(edited, now), now);
      assert.deepEqual(third.posts, { added: 0, updated: 1, unchanged: 5 });
      const [bob] = await sql<
        { body: string; slug: string }[]
      >`select body, slug from posts where source = ${archive.source} and source_id = '11'`;
      assert.match(bob!.body, /Bob now writes with/);
      assert.equal(bob!.slug, 'second-post-db');
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  test('an imported author has no password that works, and claims the account through an invitation to the address', async () => {
    const imported = await findAccountByEmail('ann@old.example');
    assert.ok(imported, 'imported by the test above');
    assert.equal(await verifyPassword('', imported.passwordHash), false);
    const url = await createInvitation({ email: 'ann@old.example', role: 'author', invitedBy: null });
    const result = await acceptLink(new URL(url).searchParams.get('token')!, 'invitation', {
      name: 'Ann A.',
      email: '',
      password: 'a lighthouse keeper at noon',
    });
    assert.equal(result.status, 'created');
    assert.equal(result.status === 'created' && result.account.id, imported.id, 'the same account, with its posts');
    const claimed = await findAccountByEmail('ann@old.example');
    assert.equal(await verifyPassword('a lighthouse keeper at noon', claimed!.passwordHash), true);
  });

  test('the command prints its report: counts, every skip with its reason, and the attachment that does not answer', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fp-wxr-'));
    try {
      const file = path.join(dir, 'export.xml');
      await writeFile(file, sampleExport('https://cli.example', 'cli'));
      const first = await runImport([file]);
      assert.equal(first.code, 0, first.output);
      assert.match(first.output, /posts: 6 added, 0 updated, 0 unchanged/);
      assert.match(first.output, /comments: 4 added, 0 already imported/);
      assert.match(first.output, /skipped comment 104 on post 10 “Moving day cli”: spam/);
      assert.match(first.output, /skipped comment 103 on post 10 “Moving day cli”: pending/);
      assert.match(first.output, /skipped page 20 “About cli”: a page, not a post/);
      assert.match(first.output, /skipped post 15 “Thrown away cli”: status trash/);
      assert.match(first.output, /not reachable: attachment 50 http:\/\/127\.0\.0\.1:9\/\S+harbour\.jpg: unreachable/);
      const second = await runImport([file, '--offline']);
      assert.equal(second.code, 0, second.output);
      assert.match(second.output, /posts: 0 added, 0 updated, 6 unchanged/);
      assert.match(second.output, /Nothing a visitor sees changed\./);
      assert.doesNotMatch(second.output, /not reachable/);

      const refused = await runImport([path.join(dir, 'missing.xml')]);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /Cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('without DATABASE_URL it imports into the embedded database of npm start, and refuses at once while a server holds it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'fp-wxr-embedded-'));
    const env: NodeJS.ProcessEnv = { ...process.env, FRESHPRESS_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    try {
      const file = path.join(dataDir, 'export.xml');
      await writeFile(file, sampleExport('https://embedded.example', 'emb'));
      let embedded = await startEmbeddedPostgres(dataDir);
      try {
        await migrateDatabase(embedded.url);
        const held = await runImport([file, '--offline'], env);
        assert.equal(held.code, 1, held.output);
        assert.match(held.output, /in use by another process; stop it first/);
      } finally {
        await embedded.stop();
      }
      const imported = await runImport([file, '--offline'], env);
      assert.equal(imported.code, 0, imported.output);
      assert.match(imported.output, /importing into the embedded database/);
      assert.match(imported.output, /posts: 6 added/);
      embedded = await startEmbeddedPostgres(dataDir);
      const sql = postgres(embedded.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<
          { n: number }[]
        >`select count(*)::int as n from posts where source = 'wordpress:https://embedded.example'`;
        assert.equal(row!.n, 6);
      } finally {
        await sql.end({ timeout: 5 });
        await embedded.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
