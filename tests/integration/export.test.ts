import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import matter from 'gray-matter';
import postgres from 'postgres';
import { createDatabase as connect } from '@/db/client';
import { findAccountByEmail } from '@/db/accounts';
import { migrateDatabase } from '@/db/migrate';
import { acceptLink, offerSetup } from '@/lib/accounts/links';
import { processSlot } from '@/lib/core/process-singleton';
import type { Manifest } from '@/lib/moving/export';
import { importArchive } from '@/lib/moving/import';
import { readWordPressExport } from '@/lib/moving/wordpress';
import { createDatabase, dropDatabase, freshSeededDatabase } from '../support/databases';
import { sampleExport } from '../support/wordpress-export';
import { picture } from '../support/images';
import { insertPost } from '@/db/writes';
import { postgresMediaStore } from '@/lib/media/store';
import { uploadImage } from '@/lib/media/upload';

/*
 * `npm run export` of the seeded blog (with an imported WordPress blog's drafts, scheduled post,
 * authors and threaded comments added), read without Freshpress (JSON and gray-matter), then
 * `npm run import:export` into an empty, migrated database: the same posts and comments come back,
 * threaded as they were, and a second import adds nothing.
 */

let source = { name: '', url: '' };
const empty = { name: `fp_export_empty_${process.pid}`, url: '' };
let dir = '';
let uploaded = '';

function run(script: string, args: string[], url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', script, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

before(async () => {
  source = await freshSeededDatabase('export');
  const { db, sql } = connect(source.url, { max: 2 });
  await importArchive(db, readWordPressExport(sampleExport('https://old.example', 'ex')));
  // An uploaded image, shown by a post of its own.
  const upload = await uploadImage(
    {
      name: 'lighthouse.png',
      size: 0,
      arrayBuffer: async () => new Uint8Array(await picture('png', 1000, 700)).buffer,
    },
    { store: postgresMediaStore(db) },
  );
  assert.ok(upload.ok, JSON.stringify(upload));
  uploaded = upload.image.markdown;
  await insertPost(
    { slug: 'with-an-upload', title: 'With an upload', body: `Look.\n\n${uploaded}`, status: 'published' },
    db,
  );
  await sql.end({ timeout: 5 });
  empty.url = await createDatabase(empty.name);
  await migrateDatabase(empty.url);
  dir = await mkdtemp(path.join(tmpdir(), 'fp-export-'));
});

after(async () => {
  if (source.name) await dropDatabase(source.name);
  await dropDatabase(empty.name);
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PostRow {
  key: string;
  slug: string;
  title: string;
  body: string;
  status: string;
  published_at: Date | null;
  updated_at: Date;
  tag_names: string;
  author: string | null;
}

interface CommentRow {
  key: string;
  post: string;
  parent: string | null;
  parent_removed: boolean;
  author_name: string;
  author_email: string;
  body: string;
  status: string;
  created_at: Date;
}

/** Posts and comments keyed by their id in the exported blog: the source's own ids, the copy's source ids. */
async function contents(url: string, keyed: 'id' | 'source_id') {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const key = sql(keyed);
    const posts = await sql<PostRow[]>`
      select p.${key}::text as key, p.slug, p.title, p.body, p.status::text, p.published_at, p.updated_at, p.tag_names,
        u.email as author
      from posts p left join users u on u.id = p.author_id order by 1`;
    const comments = await sql<CommentRow[]>`
      select c.${key}::text as key, p.${key}::text as post, parent.${key}::text as parent, c.parent_removed,
        c.author_name, c.author_email, c.body, c.status::text, c.created_at
      from comments c join posts p on p.id = c.post_id left join comments parent on parent.id = c.parent_id order by 1`;
    return { posts, comments };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function imageFiles(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql`select m.hash, m.width, m.height, f.file, md5(f.bytes) as digest
      from media m join media_files f on f.hash = m.hash order by f.file`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('exporting and importing the export', () => {
  test('every post and comment is written as Markdown with front matter and a manifest, readable without Freshpress', async () => {
    const exported = await run('scripts/export.ts', [dir], source.url);
    assert.equal(exported.code, 0, exported.output);
    const original = await contents(source.url, 'id');
    assert.match(
      exported.output,
      new RegExp(
        `Exported ${original.posts.length} posts, ${original.comments.length} comments, \\d+ accounts and 1 uploaded images`,
      ),
    );
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(manifest.posts.length, original.posts.length);
    assert.equal(manifest.comments.length, original.comments.length);
    assert.ok(
      manifest.posts.some((p) => p.status === 'draft'),
      'drafts are exported',
    );
    assert.ok(
      manifest.comments.some((c) => c.parentId !== null),
      'replies keep their parent',
    );
    assert.ok(
      manifest.authors.some((a) => a.email === 'ann@old.example'),
      'authors are listed',
    );
    for (const author of manifest.authors)
      assert.deepEqual(Object.keys(author).sort(), ['email', 'id', 'name', 'removed', 'role'], 'no password hash');
    assert.ok(!/scrypt\$|none:imported/.test(JSON.stringify(manifest)), 'no password hash anywhere');
    assert.ok(
      manifest.externalImages.some((image) => image.url.endsWith('harbour.jpg')),
      'addresses of images from elsewhere are listed',
    );
    // The upload's every size is copied under the name of its address.
    const [image] = manifest.images;
    assert.equal(manifest.images.length, 1);
    assert.deepEqual(image!.files, ['1000x700.png', '320w.png', '640w.png', '960w.png']);
    assert.ok(uploaded.includes(`/media/${image!.hash}/1000x700.png`));
    assert.equal(image!.postIds.length, 1);
    for (const file of image!.files) {
      const bytes = await readFile(path.join(dir, 'images', image!.hash, file));
      assert.equal(bytes.subarray(1, 4).toString(), 'PNG', file);
    }
    assert.equal((await readdir(path.join(dir, 'posts'))).length, original.posts.length);

    // A post's file alone tells its story.
    const file = manifest.posts.find((p) => p.slug === 'moving-day-ex')!.file;
    const { data, content } = matter(await readFile(path.join(dir, file), 'utf8'));
    assert.equal(data.title, 'Moving day ex');
    assert.equal(data.status, 'published');
    assert.deepEqual(data.tags, ['ete-ex', 'harbour-news-ex']);
    assert.equal(data.author.email, 'ann@old.example');
    assert.equal(data.comments.length, 4);
    assert.match(content, /<figcaption>The harbour at dawn<\/figcaption>/);

    const refused = await run('scripts/export.ts', [dir], source.url);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /is not empty/);

    // Back into the blog it came from, it would add every post again.
    const own = await run('scripts/import-blog.ts', ['export', dir], source.url);
    assert.equal(own.code, 1, own.output);
    assert.match(own.output, /looks like the database the export came from/);
    assert.equal((await contents(source.url, 'id')).posts.length, original.posts.length);
  });

  test('the export imported into an empty database gives the same posts and comments, threaded; again, nothing doubles', async () => {
    const imported = await run('scripts/import-blog.ts', ['export', dir], empty.url);
    assert.equal(imported.code, 0, imported.output);
    const original = await contents(source.url, 'id');
    const copy = await contents(empty.url, 'source_id');
    assert.match(imported.output, new RegExp(`posts: ${original.posts.length} added`));
    assert.deepEqual(copy.posts, original.posts);
    assert.deepEqual(copy.comments, original.comments);
    // The image is back at its address, every size byte for byte.
    assert.match(imported.output, /Images: 1 added, 0 already here\./);
    assert.deepEqual(await imageFiles(empty.url), await imageFiles(source.url));
    assert.equal((await imageFiles(empty.url)).length, 4);

    const again = await run('scripts/import-blog.ts', ['export', dir], empty.url);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, new RegExp(`posts: 0 added, 0 updated, ${original.posts.length} unchanged`));
    assert.match(again.output, new RegExp(`comments: 0 added, ${original.comments.length} already imported`));
    assert.match(again.output, /Images: 0 added, 1 already here\./);
  });

  test("the moved blog's setup link, used with an imported author's address, makes that account the owner's", async () => {
    const pool = processSlot<ReturnType<typeof connect>>('database.pool');
    pool.set(connect(empty.url, { max: 2 }));
    try {
      const imported = await findAccountByEmail('ann@old.example');
      assert.ok(imported);
      const url = await offerSetup();
      assert.ok(url, 'an empty blog offers its setup');
      const result = await acceptLink(new URL(url).searchParams.get('token')!, 'setup', {
        name: 'Ann Archer',
        email: 'ann@old.example',
        password: 'a lighthouse keeper at noon',
      });
      assert.equal(result.status, 'created');
      assert.deepEqual(result.status === 'created' && [result.account.id, result.account.role], [imported.id, 'owner']);
    } finally {
      await pool.get()?.sql.end({ timeout: 5 });
      pool.set(null);
    }
  });
});
