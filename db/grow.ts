import { sql, type SQL } from 'drizzle-orm';
import { createDatabase, type Executor } from './client';
import { SEED_PHRASES, SEED_TAGS } from './seed-content';

/*
 * Grows a database as an import of an old blog's archive would: every row written by plain
 * `insert … select … from generate_series(…)` in one transaction (never COPY, which wedges the
 * embedded PGlite server), in the seed's voice (db/seed-content.ts), older than every post already
 * published so the newest pages keep showing what they showed. Like any import, it writes rows
 * directly and leaves `announced_at` empty: the caches learn of the posts when a server announces
 * them (lib/posts/scheduled-publication.ts, at start and on its next poll).
 *
 * Run again, it adds as many posts again, dated before the previous ones.
 */

export interface GrowOptions {
  /** Published posts to add. */
  posts: number;
  /** Published comments on each new post. */
  commentsPerPost?: number;
  /** The span, ending just before the oldest published post, that the new posts are spread over. */
  years?: number;
}

export interface GrowReport {
  posts: number;
  tagLinks: number;
  comments: number;
  firstId: number;
  lastId: number;
  oldest: Date;
  newest: Date;
  totalPosts: number;
  totalComments: number;
  ms: number;
}

export const MAX_GROW_POSTS = 1_000_000;

/** Titles only an archive of thousands of posts needs: with the seed's, few base titles repeat often. */
const ARCHIVE_TITLE_TEMPLATES = [
  '{Subject} and {related}',
  'From {related} to {subject}',
  'When {subject} meets {related}',
  'What {related} taught me about {subject}',
  'Revisiting {subject} with {tool}',
  '{Subject} on a small team',
  'Questions I ask about {subject}',
  'The week {tool} changed how we think about {subject}',
  '{Subject}: notes from production',
  'Before you reach for {tool}: {subject}',
];

const NUMBERS = ['3', '7', '12', '18', '25', '40', '64', '100', '250', '1000'];

/** Strides that visit every index of a list of `n` before repeating: distinct picks from one seed. */
function coprimeStrides(n: number): number[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const strides = Array.from({ length: Math.max(1, n - 1) }, (_, i) => i + 1).filter((k) => gcd(k, n) === 1);
  return strides.length > 0 ? strides : [1];
}

const BANK = {
  titleTemplates: [...SEED_PHRASES.titleTemplates, ...ARCHIVE_TITLE_TEMPLATES],
  openers: SEED_PHRASES.openers,
  paragraphs: SEED_PHRASES.paragraphs,
  headings: SEED_PHRASES.headings,
  listIntros: SEED_PHRASES.listIntros,
  listItems: SEED_PHRASES.listItems,
  quotes: SEED_PHRASES.quotes,
  closers: SEED_PHRASES.closers,
  firstNames: SEED_PHRASES.firstNames,
  lastNames: SEED_PHRASES.lastNames,
  handles: SEED_PHRASES.handles,
  commentOpeners: SEED_PHRASES.commentOpeners,
  commentMiddles: SEED_PHRASES.commentMiddles,
  commentClosers: SEED_PHRASES.commentClosers,
  numbers: NUMBERS,
} satisfies Record<string, readonly string[]>;

type BankList = keyof typeof BANK;

/*
 * The banks go into each statement as parameters, which PostgreSQL holds in memory for the whole
 * statement. Kept in a table, each subscript would decompress the whole TOASTed array again: 13 ms
 * a post.
 */
function bankArray(list: BankList): SQL {
  return sql`${sql.param([...BANK[list]])}::text[]`;
}

/** A pseudo-random entry of a bank: the same key always picks the same entry. */
function pick(list: BankList, key: SQL): SQL {
  return sql`(${bankArray(list)})[pg_temp.grow_pick(${BANK[list].length}::int, ${key})]`;
}

/**
 * Entry `index` (0-based) of a pseudo-random permutation of a bank chosen by `key`: indexes below
 * the bank's length give distinct entries (a stride coprime with the length visits every entry).
 */
function permuted(list: BankList, key: SQL, index: SQL): SQL {
  const size = BANK[list].length;
  const strides = sql`${sql.param(coprimeStrides(size))}::int[]`;
  return sql`(${bankArray(list)})[1 + mod(pg_temp.grow_pick(${size}::int, ${key}) - 1
    + (${index}) * (${strides})[pg_temp.grow_pick(${coprimeStrides(size).length}::int, ${key} + 1)], ${size}::int)]`;
}

function topicsJson(): string {
  return JSON.stringify(
    SEED_TAGS.map((name) => {
      const topic = SEED_PHRASES.topics[name]!;
      return { name, subjects: topic.subjects, tools: topic.tools, lang: topic.code.lang, code: topic.code.text };
    }),
  );
}

// Helpers live in pg_temp for the transaction's session. `create or replace`: the embedded server
// runs every client on one session, where a previous run's functions may still exist.
const HELPERS: SQL[] = [
  // A pseudo-random index 1..n from a key: the same key always picks the same entry.
  sql.raw(`create or replace function pg_temp.grow_pick(n int, key bigint) returns int
    language sql immutable as $fn$ select 1 + mod(hashint8(key)::bigint + 2147483648, greatest(n, 1))::int $fn$`),
  // A pseudo-random fraction in [0, 1).
  sql.raw(`create or replace function pg_temp.grow_fraction(key bigint) returns float8
    language sql immutable as $fn$ select (hashint8(key)::bigint + 2147483648) / 4294967296.0 $fn$`),
  sql.raw(`create or replace function pg_temp.grow_capital(t text) returns text
    language sql immutable as $fn$ select upper(left(t, 1)) || substr(t, 2) $fn$`),
  // The seed's placeholders: {subject}, {Subject}, {related}, {tool}, {Tool}, {number}, {slug}.
  sql.raw(`create or replace function pg_temp.grow_fill(template text, subject text, related text, tool text, num text, slug text)
    returns text language sql immutable as $fn$
    select replace(replace(replace(replace(replace(replace(replace(template,
      '{subject}', subject), '{Subject}', pg_temp.grow_capital(subject)), '{related}', related),
      '{tool}', tool), '{Tool}', pg_temp.grow_capital(tool)), '{number}', num), '{slug}', slug) $fn$`),
  sql.raw(`create or replace function pg_temp.grow_slugify(t text) returns text
    language sql immutable as $fn$
    select trim(both '-' from left(trim(both '-' from
      regexp_replace(regexp_replace(lower(t), '[’'']', '', 'g'), '[^a-z0-9]+', '-', 'g')), 80)) $fn$`),
];

/** Adds `options.posts` published posts, with two tags and `commentsPerPost` published comments each. */
export async function growDatabase(
  url: string,
  options: GrowOptions,
  log: (line: string) => void = console.log,
): Promise<GrowReport> {
  const count = options.posts;
  const perPost = options.commentsPerPost ?? 5;
  const years = options.years ?? 10;
  if (!Number.isInteger(count) || count < 1 || count > MAX_GROW_POSTS)
    throw new RangeError(`the number of posts must be an integer from 1 to ${MAX_GROW_POSTS}`);
  if (!Number.isInteger(perPost) || perPost < 0 || perPost > 100)
    throw new RangeError('comments per post must be an integer from 0 to 100');
  if (!(years > 0 && years <= 100)) throw new RangeError('years must be a number above 0 and at most 100');

  const { db, sql: client } = createDatabase(url, { max: 1 });
  const started = performance.now();
  try {
    const report = await db.transaction(async (tx) => {
      // Two runs at once would both date their posts before the same oldest post and number the
      // same titles: the second waits for the first.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('freshpress:db:grow'))`);
      const [existing] = await tx.execute<{ n: number; oldest: number | null }>(sql`
        select count(*)::int as n,
          (extract(epoch from min(published_at) filter (where status = 'published')) * 1000)::float8 as oldest
        from posts`);
      if (!existing || existing.n === 0)
        throw new GrowRefused(
          'The database holds no posts: seed it first (npm run db:seed, or start it once with npm start).',
        );
      const anchor = existing.oldest === null ? new Date() : new Date(existing.oldest);
      const from = new Date(anchor.getTime() - years * 365.25 * 24 * 3600 * 1000);
      log(
        `Adding ${count.toLocaleString('en')} published posts dated ${day(from)} to ${day(anchor)} ` +
          `(before the oldest published post), ${perPost} published comments each…`,
      );

      // The statements' estimated costs are huge (each post's text is built by nested subqueries), so
      // PostgreSQL would spend seconds compiling them with JIT for work that takes milliseconds.
      await tx.execute(sql`set local jit = off`);
      for (const helper of HELPERS) await tx.execute(helper);
      await prepareTables(tx);
      await tx.execute(sql`
        insert into grow_batch (id, i)
        select nextval(pg_get_serial_sequence('posts', 'id'))::int, i from generate_series(1, ${count}::int) as i`);
      const [batch] = await tx.execute<{ first: number; last: number }>(
        sql`select min(id) as first, max(id) as last from grow_batch`,
      );
      await describeBatch(tx, from, anchor, count);
      await nameBatch(tx);
      const posts = await insertPosts(tx);
      const tagLinks = await insertTagLinks(tx);
      const comments = perPost > 0 ? await insertComments(tx, perPost) : 0;
      return { posts, tagLinks, comments, firstId: batch!.first, lastId: batch!.last, anchor, from };
    });
    // An import leaves the planner's statistics behind; without fresh ones it would plan the
    // next queries as if the tables were still the seed's size.
    await db.execute(sql`analyze posts, post_tags, comments`);
    const [totals] = await db.execute<{ posts: number; comments: number }>(
      sql`select (select count(*)::int from posts) as posts, (select count(*)::int from comments) as comments`,
    );
    const [range] = await db.execute<{ oldest: number; newest: number }>(sql`
      select (extract(epoch from min(published_at)) * 1000)::float8 as oldest,
        (extract(epoch from max(published_at)) * 1000)::float8 as newest
      from posts where id between ${report.firstId} and ${report.lastId}`);
    return {
      posts: report.posts,
      tagLinks: report.tagLinks,
      comments: report.comments,
      firstId: report.firstId,
      lastId: report.lastId,
      oldest: new Date(range!.oldest),
      newest: new Date(range!.newest),
      totalPosts: totals!.posts,
      totalComments: totals!.comments,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** A refusal that says what to do, as opposed to a failure. */
export class GrowRefused extends Error {}

function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The topics (each tag's subjects, tools and code) and the batch being written, as temporary tables. */
async function prepareTables(tx: Executor): Promise<void> {
  // The seed's tags, created if someone removed them; each with the subjects and tools it writes about.
  await tx.execute(sql`
    insert into tags (name)
    select e ->> 'name' from jsonb_array_elements(${topicsJson()}::jsonb) as e
    on conflict (name) do nothing`);
  await tx.execute(sql`
    create temporary table grow_topic on commit drop as
    select (x.ord - 1)::int as ord, t.id as tag_id,
           array(select jsonb_array_elements_text(x.e -> 'subjects')) as subjects,
           array(select jsonb_array_elements_text(x.e -> 'tools')) as tools,
           x.e ->> 'lang' as code_lang, x.e ->> 'code' as code_text
    from jsonb_array_elements(${topicsJson()}::jsonb) with ordinality as x(e, ord)
    join tags t on t.name = x.e ->> 'name'`);
  await tx.execute(sql`
    create temporary table grow_batch (
      id int primary key, i int not null, published_at timestamptz, updated_at timestamptz,
      main_topic int, other_topic int, subject text, related text, tool text,
      base_title text, title text, slug text
    ) on commit drop`);
}

/** Dates, topics and the words each post is about; ids (and dates) ascend as an import's would. */
async function describeBatch(tx: Executor, from: Date, anchor: Date, count: number): Promise<void> {
  const step = (anchor.getTime() - from.getTime()) / 1000 / count;
  await tx.execute(sql`
    update grow_batch b set
      published_at = date_trunc('minute', ${from.toISOString()}::timestamptz
        + ((b.i - 1) + pg_temp.grow_fraction(b.id::bigint * 64 + 1)) * ${step}::float8 * interval '1 second'),
      main_topic = mod(hashint8(b.id::bigint * 64 + 2)::bigint + 2147483648, topics.n)::int
    from (select count(*)::int as n from grow_topic) as topics`);
  // A second tag other than the first; about one post in five edited some days after it went out.
  await tx.execute(sql`
    update grow_batch b set
      other_topic = mod(b.main_topic + pg_temp.grow_pick(topics.n - 1, b.id::bigint * 64 + 3), topics.n)::int,
      updated_at = case when pg_temp.grow_fraction(b.id::bigint * 64 + 4) < 0.2
        then least(b.published_at + pg_temp.grow_pick(20, b.id::bigint * 64 + 5) * interval '1 day', ${anchor.toISOString()}::timestamptz)
        else b.published_at end
    from (select count(*)::int as n from grow_topic) as topics`);
  await tx.execute(sql`
    update grow_batch b set subject = words.subject, related = words.related, tool = words.tool
    from (
      select g.id, t.subjects[s.n] as subject,
        t.subjects[case when cardinality(t.subjects) < 2 then s.n
          else 1 + mod(s.n - 1 + pg_temp.grow_pick(cardinality(t.subjects) - 1, g.id::bigint * 64 + 7), cardinality(t.subjects)) end]
          as related,
        t.tools[pg_temp.grow_pick(cardinality(t.tools), g.id::bigint * 64 + 8)] as tool
      from grow_batch g
      join grow_topic t on t.ord = g.main_topic
      cross join lateral (select pg_temp.grow_pick(cardinality(t.subjects), g.id::bigint * 64 + 6) as n) as s
    ) as words
    where words.id = b.id`);
}

/**
 * Titles unique across the whole blog: a title already used (by an earlier post or another new
 * one) becomes the next part of a series ("…, part 3"). Slugs end in the post's id, so they are
 * unique by construction; the unique index would refuse the whole import otherwise.
 */
async function nameBatch(tx: Executor): Promise<void> {
  await tx.execute(sql`
    update grow_batch b set
      base_title = pg_temp.grow_fill(${pick('titleTemplates', sql`b.id::bigint * 64 + 9`)}, b.subject, b.related, b.tool, '', '')`);
  await tx.execute(sql`
    with used as (
      select regexp_replace(title, ', part [0-9]+$', '') as base, count(*)::int as n from posts group by 1
    ),
    numbered as (
      select b.id, b.base_title,
        coalesce(u.n, 0) + row_number() over (partition by b.base_title order by b.id) as part
      from grow_batch b left join used u on u.base = b.base_title
    )
    update grow_batch b set
      title = case when numbered.part = 1 then numbered.base_title else numbered.base_title || ', part ' || numbered.part end
    from numbered where numbered.id = b.id`);
  await tx.execute(sql`update grow_batch set slug = pg_temp.grow_slugify(title) || '-' || id`);
}

async function insertPosts(tx: Executor): Promise<number> {
  // Per post: an opener; two to four sections of two or three paragraphs (none repeated); a list
  // in the first section now and then, the topic's code in the last, a quote; a link; a closer.
  const key = (salt: number, extra: SQL = sql`0`) => sql`(b.id::bigint * 1024 + ${sql.raw(String(salt))} + ${extra})`;
  const filled = (template: SQL, numberKey: SQL) =>
    sql`pg_temp.grow_fill(${template}, b.subject, b.related, b.tool, ${pick('numbers', numberKey)}, '')`;
  const rows = await tx.execute(sql`
    insert into posts (id, slug, title, tag_names, body, status, published_at, updated_at, announced_at)
    select b.id, b.slug, b.title,
      -- As the post_tags trigger (drizzle/0005) would write them, so it finds nothing to rewrite.
      (select string_agg(tg.name, ' ' order by tg.name) from grow_topic o join tags tg on tg.id = o.tag_id
       where o.ord in (b.main_topic, b.other_topic)),
      concat_ws(E'\n\n',
        ${filled(pick('openers', key(10)), key(11))},
        (select string_agg(concat_ws(E'\n\n',
            '## ' || ${permuted('headings', key(12), sql`s - 1`)},
            (select string_agg(${filled(
              permuted('paragraphs', key(14), sql`(s - 1) * 3 + p - 1`),
              key(100, sql`s * 8 + p`),
            )}, E'\n\n' order by p)
             from generate_series(1, 1 + pg_temp.grow_pick(2, ${key(200, sql`s`)})) as p),
            case when s = 1 and pg_temp.grow_fraction(${key(16)}) < 0.45 then
              ${pick('listIntros', key(17))} || E'\n\n' ||
              (select string_agg('- ' || ${permuted('listItems', key(18), sql`q - 1`)}, E'\n' order by q)
               from generate_series(1, 2 + pg_temp.grow_pick(3, ${key(20)})) as q)
            end,
            case when s = sections.n and pg_temp.grow_fraction(${key(21)}) < 0.5 then
              '\`\`\`' || t.code_lang || E'\n' || t.code_text || E'\n\`\`\`'
            end,
            case when pg_temp.grow_fraction(${key(300, sql`s`)}) < 0.2 then '> ' || ${pick('quotes', key(400, sql`s`))} end
          ), E'\n\n' order by s)
         from generate_series(1, sections.n) as s),
        case when pg_temp.grow_fraction(${key(22)}) < 0.5 then
          'There is more background in [this overview of ' || b.related || '](https://example.org/reading/'
            || pg_temp.grow_slugify(b.related) || '), which I keep coming back to.'
        end,
        ${filled(pick('closers', key(23)), key(24))}
      ),
      'published', b.published_at, b.updated_at, null
    from grow_batch b
    join grow_topic t on t.ord = b.main_topic
    cross join lateral (select 1 + pg_temp.grow_pick(3, ${key(25)}) as n) as sections
    order by b.id`);
  return rows.count;
}

async function insertTagLinks(tx: Executor): Promise<number> {
  const rows = await tx.execute(sql`
    insert into post_tags (post_id, tag_id)
    select b.id, t.tag_id from grow_batch b join grow_topic t on t.ord in (b.main_topic, b.other_topic)`);
  return rows.count;
}

/**
 * Comments by the seed's kind of readers, spread over the weeks after each post (most early),
 * all published, none in the future.
 */
async function insertComments(tx: Executor, perPost: number): Promise<number> {
  const key = (salt: number) => sql`(b.id::bigint * 128 + c * 16 + ${sql.raw(String(salt))})`;
  // Two middles of one comment are never the same sentence.
  const middle = (index: number) =>
    sql`pg_temp.grow_fill(${permuted('commentMiddles', key(9), sql.raw(String(index)))}, b.subject, b.related, b.tool, '', left(b.slug, 30))`;
  const rows = await tx.execute(sql`
    insert into comments (post_id, author_name, author_email, body, status, created_at)
    select b.id, author.name,
      trim(both '.' from regexp_replace(lower(author.name), '[^a-z0-9]+', '.', 'g'))
        || '@example.' || (array['com', 'org', 'net'])[1 + mod(hashtext(author.name)::bigint + 2147483648, 3)::int],
      case when cardinality(parts.list) > 3
        then parts.list[1] || ' ' || parts.list[2] || E'\n\n' || array_to_string(parts.list[3:], ' ')
        else array_to_string(parts.list, ' ') end,
      'published',
      least(b.published_at
        + (21 * 86400 * pg_temp.grow_fraction(${key(1)}) ^ 3 + 3600 * pg_temp.grow_fraction(${key(2)}) + c)
          * interval '1 second', now())
    from grow_batch b
    cross join generate_series(1, ${perPost}::int) as c
    cross join lateral (select case when pg_temp.grow_fraction(${key(3)}) < 0.06
      then ${pick('handles', key(4))} || pg_temp.grow_pick(99, ${key(5)})
      else ${pick('firstNames', key(6))} || ' ' || ${pick('lastNames', key(7))} end as name) as author
    cross join lateral (select array_remove(array[
      ${pick('commentOpeners', key(8))},
      ${middle(0)},
      case when pg_temp.grow_fraction(${key(11)}) < 0.35 then ${middle(1)} end,
      nullif(${pick('commentClosers', key(12))}, '')
    ], null) as list) as parts
    order by b.id, c`);
  return rows.count;
}
