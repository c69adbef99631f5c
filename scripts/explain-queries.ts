import { pathToFileURL } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as adminReads from '@/db/admin-reads';
import type { Database } from '@/db/client';
import * as reads from '@/db/reads';
import * as schema from '@/db/schema';
import { nextPublicationDue } from '@/db/scheduled';
import { searchPosts } from '@/db/search';
import { lockAndFindSameComment } from '@/db/writes';
import { config } from '@/lib/core/config';

/*
 * `npm run db:explain`: EXPLAIN ANALYZE of the queries behind the pages, the admin and the comment
 * form, as the app sends them (each reader is called once with a recording connection, then its
 * statements are explained with their parameters), on the database at DATABASE_URL. Meant for a
 * grown one (`npm run db:grow -- 60000`). Prints planning and execution time (median of 5 runs,
 * warm) and the plan's top node per statement; `--plans` prints whole plans. Read-only: everything
 * runs in a transaction that is rolled back.
 */

interface Recorded {
  text: string;
  params: unknown[];
}

interface Case {
  name: string;
  run: (db: Database) => Promise<unknown>;
}

const RUNS = 5;

async function cases(db: Database, sql: postgres.Sql): Promise<Case[]> {
  const [counts] = await sql<{ posts: number }[]>`
    select count(*)::int as posts from posts where status = 'published' and published_at <= now()`;
  const pageCount = Math.max(1, Math.ceil(counts!.posts / 10));
  const deepPage = Math.min(2000, pageCount);
  const [tag] = await sql<{ name: string; n: number }[]>`
    select t.name, count(*)::int as n from tags t join post_tags pt on pt.tag_id = t.id
    group by t.name order by n desc limit 1`;
  const tagPages = Math.max(1, Math.ceil(tag!.n / 10));
  const [busiest] = await sql<{ id: number; slug: string }[]>`
    select p.id, p.slug from posts p
    join (select post_id, count(*) as n from comments group by post_id) c on c.post_id = p.id
    where p.status = 'published' and p.published_at <= now()
    order by c.n desc, p.id limit 1`;
  const [commented] = await sql<{ post_id: number }[]>`
    select post_id from comments where status = 'pending' order by created_at desc limit 1`;
  const homeIds = await reads.listPublishedPostIds(10, 0, db);
  const deepIds = await reads.listPublishedPostIds(10, (deepPage - 1) * 10, db);
  const queueFilter = commented
    ? { status: 'pending' as const, postId: commented.post_id }
    : { status: 'pending' as const };
  const adminPages = Math.max(
    1,
    Math.ceil((await adminReads.countPostsForAdmin(undefined, db)) / adminReads.ADMIN_PAGE_SIZE),
  );
  return [
    { name: 'home: published count', run: (d) => reads.countPublishedPosts(d) },
    { name: 'home: ids of page 1', run: (d) => reads.listPublishedPostIds(10, 0, d) },
    { name: 'home: summaries (tags, comment counts)', run: (d) => reads.getPostSummaries(homeIds, d) },
    { name: `/page/${deepPage}: ids`, run: (d) => reads.listPublishedPostIds(10, (deepPage - 1) * 10, d) },
    { name: `/page/${deepPage}: summaries`, run: (d) => reads.getPostSummaries(deepIds, d) },
    { name: `/page/${pageCount} (last): ids`, run: (d) => reads.listPublishedPostIds(10, (pageCount - 1) * 10, d) },
    { name: 'post: id by slug', run: (d) => reads.findPublishedPostIdBySlug(busiest!.slug, d) },
    { name: 'post: row with tags', run: (d) => reads.getPublishedPost(busiest!.id, d) },
    { name: 'post: published comments', run: (d) => reads.listPublishedComments(busiest!.id, d) },
    { name: `/tags/${tag!.name}: count`, run: (d) => reads.countPublishedPostsByTag(tag!.name, d) },
    { name: `/tags/${tag!.name}: ids of page 1`, run: (d) => reads.listPublishedPostIdsByTag(tag!.name, 10, 0, d) },
    {
      name: `/tags/${tag!.name}/page/${tagPages} (last): ids`,
      run: (d) => reads.listPublishedPostIdsByTag(tag!.name, 10, (tagPages - 1) * 10, d),
    },
    { name: 'tags in use (sitemap, build)', run: (d) => reads.listTagsInUse(d) },
    { name: 'admin: pending count (every admin page)', run: (d) => adminReads.countPendingComments(d) },
    { name: 'admin: posts, page 1', run: (d) => adminReads.listPostsForAdmin({ page: 1 }, d) },
    {
      name: `admin: posts, page ${adminPages} (last)`,
      run: (d) => adminReads.listPostsForAdmin({ page: adminPages }, d),
    },
    { name: 'admin: posts, count', run: (d) => adminReads.countPostsForAdmin(undefined, d) },
    {
      name: 'admin: queue, pending, page 1',
      run: (d) => adminReads.listCommentsForModeration({ status: 'pending', page: 1 }, d),
    },
    {
      name: 'admin: queue, published, page 1',
      run: (d) => adminReads.listCommentsForModeration({ status: 'published', page: 1 }, d),
    },
    {
      name: 'admin: queue, published, page 2000',
      run: (d) => adminReads.listCommentsForModeration({ status: 'published', page: 2000 }, d),
    },
    {
      name: 'admin: queue, one post',
      run: (d) => adminReads.listCommentsForModeration({ ...queueFilter, page: 1 }, d),
    },
    { name: 'admin: queue, count', run: (d) => adminReads.countCommentsForModeration({ status: 'published' }, d) },
    { name: 'admin: queue, post filter', run: (d) => adminReads.postsWithComments(d) },
    {
      name: 'comment form: same comment already there?',
      run: (d) => d.transaction((tx) => lockAndFindSameComment(busiest!.id, 'A comment nobody wrote yet', tx)),
    },
    { name: 'publication timer: next due', run: (d) => nextPublicationDue(d) },
    // Search reads its page's rows and then their highlights; set_config reads no table.
    ...['varnish', 'production', '"cache invalidation" or varnish -redis'].map((query) => ({
      name: `search: ${query}`,
      run: (d: Database) => searchPosts(query, 1, { timeoutMs: 60_000, db: d }),
    })),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

interface ExplainRow {
  'QUERY PLAN': [{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }];
}

/** The plan's scans, outermost first: what a reader needs to see whether an index is used. */
function scans(node: PlanNode, out: string[] = []): string[] {
  if (/Scan/.test(node['Node Type']))
    out.push(
      `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : node['Relation Name'] ? ` ${node['Relation Name']}` : ''}`,
    );
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

async function main(): Promise<void> {
  const url = config.DATABASE_URL;
  if (!url) {
    console.error(
      'DATABASE_URL is not set: explain the queries of a PostgreSQL database (e.g. one grown with npm run db:grow).',
    );
    process.exit(2);
  }
  const showPlans = process.argv.includes('--plans');
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const recorded: Recorded[] = [];
  const recording = drizzle(client, {
    schema,
    logger: { logQuery: (text, params) => recorded.push({ text, params }) },
  }) as unknown as Database;
  const plain = drizzle(client, { schema }) as unknown as Database;
  try {
    console.log('| query | planning ms | execution ms | scans |');
    console.log('|---|---:|---:|---|');
    for (const { name, run } of await cases(plain, client)) {
      recorded.length = 0;
      await run(recording);
      for (const statement of recorded.filter((r) => /^\s*(select|with)/i.test(r.text))) {
        const planning: number[] = [];
        const execution: number[] = [];
        let plan: PlanNode | undefined;
        await client
          .begin(async (tx) => {
            for (let i = 0; i < RUNS; i++) {
              const [row] = await tx.unsafe(
                `explain (analyze, buffers, format json) ${statement.text}`,
                statement.params as postgres.ParameterOrJSON<never>[],
              );
              const [result] = (row as unknown as ExplainRow)['QUERY PLAN'];
              planning.push(result['Planning Time']);
              execution.push(result['Execution Time']);
              plan = result.Plan;
            }
            throw new RolledBack();
          })
          .catch((error: unknown) => {
            if (!(error instanceof RolledBack)) throw error;
          });
        // A statement that reads no table (the comment form's advisory lock) has nothing to show.
        if (scans(plan!).length === 0) continue;
        console.log(
          `| ${name} | ${median(planning).toFixed(2)} | ${median(execution).toFixed(2)} | ${[...new Set(scans(plan!))].join(', ')} |`,
        );
        if (showPlans) {
          const [text] = await client
            .begin(async (tx) => {
              const rows = await tx.unsafe(`explain (analyze, buffers) ${statement.text}`, statement.params as never[]);
              throw new RolledBack(
                rows.map((r) => (r as unknown as { 'QUERY PLAN': string })['QUERY PLAN']).join('\n'),
              );
            })
            .catch((error: unknown) => {
              if (error instanceof RolledBack) return [error.message];
              throw error;
            });
          console.log(`\n${statement.text}\n${text}\n`);
        }
      }
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

class RolledBack extends Error {}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
