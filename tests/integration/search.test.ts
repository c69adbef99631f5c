import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { createDatabase, type Database } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { isStatementTimeout, searchPosts, type SearchHit, type SearchOutcome } from '@/db/search';
import { seedDatabase } from '@/db/seed';
import { insertPost, updatePost } from '@/db/writes';
import { plainHeadline } from '@/lib/search/highlight';
import { seededDatabaseForFile } from '../support/test-database';

/*
 * The search query (db/search.ts) against the seeded database on PostgreSQL, and the same query on
 * the embedded database (PGlite), which must find the same posts in the same order.
 */

const database = seededDatabaseForFile('search');
const TIMEOUT = { timeoutMs: 5000 };
// Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times, is 100 on every architecture it runs on.
const CLOCK_TICKS_PER_SECOND = 100;

function results(outcome: SearchOutcome) {
  assert.equal(outcome.kind, 'results', JSON.stringify(outcome));
  return outcome as Extract<SearchOutcome, { kind: 'results' }>;
}

const marked = (text: string) => [...text.matchAll(/\u0002([^\u0003]*)\u0003/g)].map((m) => m[1]!.toLowerCase());

/** A word of one public post's body that no other public post contains, and that is not in its title. */
async function unusualWord(db: Database): Promise<{ word: string; id: number }> {
  const rows = await db.execute<{ word: string; id: number }>(sql`
    select w.word, p.id from posts p,
      lateral (select distinct word from regexp_split_to_table(p.body, '[^A-Za-z]+') as word where length(word) >= 7) w
    where p.status = 'published' and p.published_at <= now()
      and p.title not ilike '%' || w.word || '%'
      and (select count(*) from posts o where o.status = 'published' and o.search @@ plainto_tsquery('english', w.word)) = 1
    order by p.id, w.word limit 1`);
  assert.ok(rows[0], 'the seed has a word only one post uses');
  return rows[0];
}

/** Every page of a search, in order. */
async function allPages(db: Database, query: string): Promise<SearchHit[][]> {
  const first = results(await searchPosts(query, 1, { ...TIMEOUT, db }));
  const pages = [first.hits];
  for (let page = 2; page <= first.pageCount; page++)
    pages.push(results(await searchPosts(query, page, { ...TIMEOUT, db })).hits);
  return pages;
}

describe('search on PostgreSQL', () => {
  test('finds a post by a word of its body alone, with the word marked in a plain-text excerpt', async () => {
    const { db } = database;
    const { word, id } = await unusualWord(db);
    const found = results(await searchPosts(word, 1, { ...TIMEOUT, db }));
    assert.equal(found.total, 1);
    const [hit] = found.hits;
    assert.equal(hit?.id, id);
    // Marked wherever it is in the fragments shown, and nothing else is.
    assert.ok(marked(hit!.excerpt).length >= 1);
    assert.ok(marked(hit!.excerpt).every((m) => m === word.toLowerCase()));
    assert.equal(marked(hit!.title).length, 0);
    // The reader sees prose: no Markdown or HTML syntax.
    assert.doesNotMatch(plainHeadline(hit!.excerpt), /\*\*|\]\(|^#|\n#|`|<[a-z/]/i);
  });

  test('finds every post carrying a tag by its name, and a post by a word of its title', async () => {
    const { db } = database;
    const tagged = await db.execute<{ id: number }>(sql`
      select p.id from posts p join post_tags pt on pt.post_id = p.id join tags t on t.id = pt.tag_id
      where t.name = 'observability' and p.status = 'published'`);
    const hits = new Map((await allPages(db, 'observability')).flat().map((hit) => [hit.id, hit]));
    assert.ok(tagged.length > 0);
    for (const { id } of tagged) assert.deepEqual(hits.get(id)?.matchedTags, ['observability'], `post ${id}`);

    const [post] = await db.execute<{ id: number; title: string }>(
      sql`select id, title from posts where status = 'published' order by published_at desc limit 1`,
    );
    const titleWord = post!.title.split(/\s+/).sort((a, b) => b.length - a.length)[0]!;
    const byTitle = results(await searchPosts(titleWord, 1, { ...TIMEOUT, db }));
    const hit = byTitle.hits.find((h) => h.id === post!.id);
    assert.ok(hit, `"${titleWord}" finds "${post!.title}" on the first page`);
    assert.ok(marked(hit.title).length > 0);
    assert.equal(plainHeadline(hit.title), post!.title);
  });

  test('pages of ten, ranked, never overlapping, together every match exactly once', async () => {
    const { db } = database;
    const pages = await allPages(db, 'production');
    const first = results(await searchPosts('production', 1, { ...TIMEOUT, db }));
    assert.ok(first.pageCount >= 3, `${first.total} matches`);
    assert.ok(pages.slice(0, -1).every((page) => page.length === 10));
    const ids = pages.flat().map((hit) => hit.id);
    assert.equal(ids.length, first.total);
    assert.equal(new Set(ids).size, first.total);
    // The same order as PostgreSQL's own ranking of every match: rank, then newest, then id.
    const expected = await db.execute<{ id: number }>(sql`
      select id from posts, websearch_to_tsquery('english', 'production') q
      where search @@ q and status = 'published' and published_at <= now()
      order by ts_rank_cd(search, q, 1) desc, published_at desc, id desc`);
    assert.deepEqual(
      ids,
      expected.map((row) => row.id),
    );
    // A title match weighs more than the body: the first result has the word in its title or tags.
    assert.ok(marked(pages[0]![0]!.title).length > 0 || pages[0]![0]!.tags.length > 0);
    // Past the last page: no hits, the real count.
    const past = results(await searchPosts('production', first.pageCount + 1, { ...TIMEOUT, db }));
    assert.deepEqual(past.hits, []);
    assert.equal(past.total, first.total);
    assert.equal(results(await searchPosts('production', 999_999, { ...TIMEOUT, db })).hits.length, 0);
  });

  test('web search syntax: a phrase in quotes, or, and -word', async () => {
    const { db } = database;
    const count = async (where: string) => {
      const [row] = await db.execute<{ n: number }>(
        sql`select count(*)::int as n from posts where status = 'published' and published_at <= now() and search @@ ${sql.raw(where)}`,
      );
      return row!.n;
    };
    const total = async (query: string) => results(await searchPosts(query, 1, { ...TIMEOUT, db })).total;
    assert.equal(await total('"cache invalidation"'), await count(`phraseto_tsquery('english', 'cache invalidation')`));
    assert.ok((await total('"cache invalidation"')) < (await total('cache invalidation')));
    assert.equal(await total('varnish or memcached'), await count(`to_tsquery('english', 'varnish | memcached')`));
    assert.equal(await total('cache -varnish'), await count(`to_tsquery('english', 'cache & !varnish')`));
    const without = (await allPages(db, 'cache -varnish')).flat();
    assert.ok(without.every((hit) => !marked(hit.excerpt).includes('varnish')));
  });

  test('only public posts: a draft and a post scheduled for later are found by no search until published', async () => {
    const { db } = database;
    const draft = await insertPost(
      { slug: 'search-draft', title: 'Quuxinator draft', body: 'The quuxinator draft body.', status: 'draft' },
      db,
    );
    await insertPost(
      {
        slug: 'search-scheduled',
        title: 'Quuxinator scheduled',
        body: 'The quuxinator scheduled body.',
        status: 'published',
        publishedAt: new Date(Date.now() + 86_400_000),
      },
      db,
    );
    assert.equal(results(await searchPosts('quuxinator', 1, { ...TIMEOUT, db })).total, 0);
    await updatePost(draft.id, { status: 'published', publishedAt: new Date(Date.now() - 1000) }, db);
    const found = results(await searchPosts('quuxinator', 1, { ...TIMEOUT, db }));
    assert.deepEqual(
      found.hits.map((hit) => hit.id),
      [draft.id],
    );
  });

  test('a query of only common words or punctuation has nothing to search for; hostile text is only text', async () => {
    const { db } = database;
    for (const query of ['the', 'and or not', '&|!:*<>', '""', '-', '((((', '!!!']) {
      assert.deepEqual(await searchPosts(query, 1, { ...TIMEOUT, db }), { kind: 'no-terms' }, query);
    }
    const hostile = [
      `'; drop table posts; --`,
      '<script>alert(1)</script>',
      '"unbalanced ( quote',
      'a:* & b:* | !c <-> d',
      "o'reilly \\ back\\slash",
      '%',
      '%00',
      '%%%25',
      'שלום עולם',
      'مرحبا بالعالم',
      '🙂🔥 emoji',
      'x'.repeat(200),
      'a or '.repeat(40),
    ];
    for (const query of hostile) {
      const outcome = await searchPosts(query, 1, { ...TIMEOUT, db });
      assert.ok(outcome.kind === 'results' || outcome.kind === 'no-terms', `${query}: ${outcome.kind}`);
    }
    const [posts] = await db.execute<{ n: number }>(sql`select count(*)::int as n from posts`);
    assert.ok(posts!.n >= 200, 'the posts table is still there');
  });

  test('a search past its statement timeout is answered as timed out, and the setting stays in its transaction', async () => {
    // One connection, so the statement after the timeout runs on the very session it was set on.
    const { db, sql: client } = createDatabase(database.url, { max: 1 });
    try {
      const heavy =
        'one or thing or work or time or test or ask or first or answer or change or differ or people or team';
      assert.deepEqual(await searchPosts(heavy, 1, { timeoutMs: 1, deadlineMs: 10_000, db }), { kind: 'timed-out' });
      const [setting] = await client`show statement_timeout`;
      assert.equal(setting?.statement_timeout, '0');
      assert.equal(results(await searchPosts(heavy, 1, { ...TIMEOUT, db })).pageCount > 1, true);
    } finally {
      await client.end({ timeout: 5 });
    }
  });

  test("PostgreSQL's query_canceled, wrapped or not, is a timeout; other failures are not", () => {
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    assert.equal(isStatementTimeout(cancelled), true);
    assert.equal(isStatementTimeout(Object.assign(new Error('Failed query'), { cause: cancelled })), true);
    assert.equal(isStatementTimeout(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), false);
    assert.equal(isStatementTimeout(Object.assign(new Error('syntax'), { code: '42601' })), false);
    assert.equal(isStatementTimeout(new Error('no code')), false);
  });
});

describe('search on the embedded database (PGlite)', () => {
  let embedded: ChildProcess;
  let dataDir: string;
  let pglite: ReturnType<typeof createDatabase>;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'freshpress-search-pglite-'));
    // In a process of its own, as `npm start` runs it beside the server (tests/support/embedded-process.ts).
    embedded = spawn(process.execPath, ['--import', 'tsx', 'tests/support/embedded-process.ts', dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      embedded.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = output.match(/^ready (\S+)$/m);
        if (ready) resolve(ready[1]!);
      });
      embedded.once('exit', (code) => reject(new Error(`the embedded database exited (${code}): ${output}`)));
    });
    await migrateDatabase(url);
    await seedDatabase(url, () => {});
    pglite = createDatabase(url, { max: 4 });
  });

  after(async () => {
    await pglite?.sql.end({ timeout: 5 });
    if (embedded && embedded.exitCode === null) {
      const exited = new Promise((resolve) => embedded.once('exit', resolve));
      embedded.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  test('finds the same posts in the same order as PostgreSQL, each with its matches marked', async () => {
    const { word } = await unusualWord(database.db);
    for (const query of [word, 'observability', '"cache invalidation" or varnish -redis', 'production']) {
      for (const page of [1, 2]) {
        const onServer = results(await searchPosts(query, page, { ...TIMEOUT, db: database.db }));
        const embeddedOutcome = results(await searchPosts(query, page, { ...TIMEOUT, db: pglite.db }));
        // ts_headline picks its fragments differently across versions (PGlite is PostgreSQL 18):
        // the same posts, titles and tags, in the same order, and excerpts that mark what matched.
        const { hits: serverHits, ...serverCounts } = onServer;
        const { hits: embeddedHits, ...embeddedCounts } = embeddedOutcome;
        assert.deepEqual(embeddedCounts, serverCounts, `${query}, page ${page}`);
        assert.deepEqual(
          embeddedHits.map(({ excerpt: _, ...hit }) => hit),
          serverHits.map(({ excerpt: _, ...hit }) => hit),
          `${query}, page ${page}`,
        );
        for (const hit of embeddedHits) {
          assert.ok(marked(hit.excerpt).length + marked(hit.title).length + hit.matchedTags.length > 0, hit.slug);
        }
      }
    }
    assert.deepEqual(await searchPosts('the', 1, { ...TIMEOUT, db: pglite.db }), { kind: 'no-terms' });
  });

  test('PGlite cannot stop a statement that runs past statement_timeout: the server stops waiting instead', async () => {
    // Forty copies of every seeded post (some 8,000 posts), so a search of common words runs for a while.
    await pglite.sql`insert into posts (slug, title, body, status, published_at)
      select 'copy-' || g || '-' || p.slug, p.title, p.body, 'published', p.published_at - interval '10 years'
      from posts p, generate_series(1, 40) g where p.status = 'published'`;
    const heavy =
      'one or change or thing or answer or first or work or time or test or ask or small or reader or make or write ' +
      'or every or see or number or need or page or long or keep or look or expect or made';
    // PGlite's own CPU time, not the clock: beside a build the clock says more of the machine's load
    // than of what PGlite did.
    const cpuMs = async () => {
      const fields = (await readFile(`/proc/${embedded.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    };
    const timed = async (timeoutMs: number, deadlineMs?: number) => {
      const [started, cpuBefore] = [Date.now(), await cpuMs()];
      const outcome = await searchPosts(heavy, 1, { timeoutMs, deadlineMs, db: pglite.db });
      return { kind: outcome.kind, ms: Date.now() - started, cpuMs: (await cpuMs()) - cpuBefore };
    };
    const full = await timed(60_000);
    assert.equal(full.kind, 'results');
    assert.ok(full.cpuMs > 150, `the search takes ${full.cpuMs} ms of PGlite's time`);
    // With 20 ms of statement_timeout it still runs its whole course: WebAssembly cannot interrupt
    // a statement (whether PGlite then reports the timeout depends on when its timer gets a turn).
    const capped = await timed(20, 60_000);
    assert.ok(capped.cpuMs > full.cpuMs / 2, `${capped.kind} after ${capped.cpuMs} ms of PGlite's time`);
    // The server's own deadline (DEADLINE_MARGIN_MS after the timeout unless told) answers the
    // reader on time, while PGlite goes on with the search: the next query waits for it. On time
    // means within 200 ms of the deadline, beyond what this process was itself kept from running.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const answered = await timed(20, 50);
    lag.disable();
    const late = lag.max / 1e6;
    assert.equal(answered.kind, 'timed-out');
    assert.ok(answered.ms >= 50 && answered.ms < 250 + late, `answered in ${answered.ms} ms (${late} ms late)`);
    assert.ok(answered.cpuMs < full.cpuMs / 2, `PGlite had spent ${answered.cpuMs} ms when the reader was answered`);
    const cpuBefore = await cpuMs();
    await pglite.sql`select 1`;
    const busy = answered.cpuMs + ((await cpuMs()) - cpuBefore);
    assert.ok(busy > full.cpuMs / 2, `PGlite was busy with the search for ${busy} ms (the search: ${full.cpuMs} ms)`);
    // Every client shares PGlite's one session: the setting ended with the search's transaction.
    const [setting] = await pglite.sql`show statement_timeout`;
    assert.equal(setting?.statement_timeout, '0');
  });
});
