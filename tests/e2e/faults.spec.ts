import { migrateDatabase } from '@/db/migrate';
import { seedDatabase } from '@/db/seed';
import postgres from 'postgres';
import { startPrivatePostgres, type PrivatePostgres } from '../support/postgres';
import { deleteStatsKeys } from '../support/redis';
import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test } from './support/fixtures';
import { get, OwnSite, type SiteServer } from './support/site';

/*
 * Faults: the database going away under a running site and coming back, and many comments at
 * once through the real server. Services that a test stops are its own, on free ports; the
 * machine's PostgreSQL and Redis are never touched.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('faults'));
test.afterAll(async () => site.close());

// The action's answer when the database did not take the comment.
const COULD_NOT_SAVE = /We couldn.t save your comment/;

/** Polls `probe` until it returns true, every 100 ms, for at most `ms`. */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await probe().catch(() => false)) return Math.round(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

test.describe('PostgreSQL down and back', () => {
  let pg: PrivatePostgres;
  let db: postgres.Sql;
  let server: SiteServer;
  const prefix = `${site.prefix}_pgdown`;

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    pg = await startPrivatePostgres();
    // The seed is deterministic: the same posts, ids and slugs as the database the build was made from.
    await migrateDatabase(pg.url);
    await seedDatabase(pg.url, () => {});
    db = postgres(pg.url, { max: 1, onnotice: () => {} });
    // A cache of its own: its pages come from another database than the rest of this file's.
    server = await site.start({ DATABASE_URL: pg.url, STATS_PREFIX: prefix });
  });

  test.afterAll(async () => {
    await server?.stop();
    await db?.end({ timeout: 1 });
    await pg?.remove();
    await deleteStatsKeys(prefix);
  });

  test('cached pages answer, others a friendly 503, comments fail keeping their text, and it all resumes by itself', async ({
    page,
    browser,
  }) => {
    test.setTimeout(90_000);
    const posts = await db<
      { id: number; slug: string }[]
    >`select id, slug from posts where status = 'published' order by published_at desc, id desc`;
    // Rendered on request (the build prerenders the newest 20), so in the cache only once warmed.
    const warmed = posts[40]!;
    const [{ name: tag } = { name: '' }] = await db<
      { name: string }[]
    >`select t.name from tags t join post_tags pt on pt.tag_id = t.id group by t.name order by count(*) desc limit 1`;
    expect((await get(server.base, `/posts/${warmed.slug}`)).status).toBe(200);
    expect((await get(server.base, `/posts/${warmed.slug}`)).cache).toBe('HIT');
    expect((await get(server.base, '/')).status).toBe(200);

    await pg.stop();

    // What the cache holds is still served.
    for (const path of ['/', `/posts/${warmed.slug}`]) {
      const cached = await get(server.base, path);
      expect(cached.status, path).toBe(200);
      expect(cached.cache, path).toBe('HIT');
    }

    // What it does not hold: a page saying so, with a status that tells crawlers to come back, at
    // once every time (the driver's wait between reconnection attempts must not grow with the outage).
    // Each twice: a failed render leaves its page's rebuild lock behind, which must not hold the next one back.
    const uncached = [
      `/tags/${encodeURIComponent(tag)}/page/2`,
      ...posts.slice(120, 126).map((post) => `/posts/${post.slug}`),
    ].flatMap((path) => [path, path]);
    const timings: number[] = [];
    for (const path of uncached) {
      const started = performance.now();
      const response = await fetch(`${server.base}${path}`, {
        headers: { accept: 'text/html' },
        signal: AbortSignal.timeout(30_000),
      });
      const html = await response.text();
      timings.push(Math.round(performance.now() - started));
      expect(response.status, path).toBe(503);
      expect(Number(response.headers.get('retry-after')), path).toBeGreaterThan(0);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(html).toMatch(/temporarily unavailable/i);
      expect(html).toMatch(/try again in a minute/i);
      expect(html).not.toMatch(/ECONNREFUSED|Failed query|select |node_modules|digest|at async|127\.0\.0\.1:\d+/);
    }
    console.log(`PostgreSQL down: ${uncached.length} uncached pages answered 503 in ${timings.join(', ')} ms`);
    expect(Math.max(...timings), 'an uncached page fails at once, however long the outage').toBeLessThan(2000);

    // A comment through the form, JavaScript on: told it failed, the text still there to send again.
    const form = new CommentForm(page);
    await page.goto(`${server.base}/posts/${warmed.slug}`);
    const withJs = uniqueComment('pgdown-js');
    await form.fill(withJs);
    let started = performance.now();
    await form.submit();
    await expect(form.status).toContainText(COULD_NOT_SAVE);
    console.log(
      `PostgreSQL down: a comment (JavaScript on) was refused in ${Math.round(performance.now() - started)} ms`,
    );
    await expect(form.body).toHaveValue(withJs.body);
    await expect(form.name).toHaveValue(withJs.name);

    // The same without JavaScript: the form posts, the server renders the page with the answer.
    const plain = await browser.newContext({ javaScriptEnabled: false });
    try {
      const noJsPage = await plain.newPage();
      const noJsForm = new CommentForm(noJsPage);
      await noJsPage.goto(`${server.base}/posts/${warmed.slug}`);
      const withoutJs = uniqueComment('pgdown-nojs');
      await noJsForm.fill(withoutJs);
      started = performance.now();
      await noJsForm.submit();
      await expect(noJsForm.status).toContainText(COULD_NOT_SAVE);
      console.log(
        `PostgreSQL down: a comment (JavaScript off) was refused in ${Math.round(performance.now() - started)} ms`,
      );
      await expect(noJsForm.body).toHaveValue(withoutJs.body);
      await expect(noJsForm.name).toHaveValue(withoutJs.name);

      await pg.start();
      // Back without restarting the site: the next request reconnects.
      const resumedMs = await until(
        'an uncached post page after PostgreSQL started again',
        30_000,
        async () => (await get(server.base, `/posts/${posts[120]!.slug}`)).status === 200,
      );
      console.log(`PostgreSQL back: the uncached page answered 200 after ${resumedMs} ms`);
      expect(resumedMs, 'used again as soon as it is back').toBeLessThan(3000);
      const stored = await db<{ n: number }[]>`select count(*)::int as n from comments where body like ${'%pgdown-%'}`;
      expect(stored[0]!.n, 'nothing of the refused comments was stored').toBe(0);

      // The comment the visitor still has in the form goes through now.
      await noJsForm.submit();
      await noJsForm.expectPublished();
    } finally {
      await plain.close();
    }
    await form.submit();
    await form.expectPublished();
    const rows = await db<
      { body: string }[]
    >`select body from comments where post_id = ${warmed.id} and body like ${'%pgdown-%'}`;
    expect(rows.map((row) => row.body).sort()).toHaveLength(2);
    const after = await get(server.base, `/posts/${warmed.slug}`);
    expect(after.status).toBe(200);
    for (const row of rows) expect(after.html).toContain(row.body.split(':')[0]!);
  });
});

const ENTITIES: Record<string, string> = {
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
  '&lt;': '<',
  '&gt;': '>',
  '&amp;': '&',
};
const decodeAttribute = (value: string) => value.replace(/&(quot|#x27|#39|lt|gt|amp);/g, (entity) => ENTITIES[entity]!);

/**
 * The fields a browser without JavaScript sends when the comment form on `html` is submitted:
 * every named input and textarea of the form, in document order, the hidden ones with the values
 * the server rendered (which name the action), the visible ones left for the caller to fill.
 */
function formFields(html: string): [string, string][] {
  const form = html.match(/<form[^>]*method="POST"[^>]*>([\s\S]*?)<\/form>/)?.[1];
  if (!form) throw new Error('the page has no comment form');
  const fields: [string, string][] = [];
  for (const [tag] of form.matchAll(/<(?:input|textarea)\b[^>]*>/g)) {
    const name = tag.match(/\bname="([^"]*)"/)?.[1];
    if (name === undefined) continue;
    fields.push([decodeAttribute(name), decodeAttribute(tag.match(/\bvalue="([^"]*)"/)?.[1] ?? '')]);
  }
  return fields;
}

/** Posts the comment form of `path` the way a browser without JavaScript does; true when the answer says it was published. */
async function postForm(
  base: string,
  path: string,
  fields: [string, string][],
  values: Record<string, string>,
): Promise<boolean> {
  const body = new FormData();
  for (const [name, value] of fields) body.append(name, values[name] ?? value);
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  const html = await response.text();
  return response.status === 200 && html.includes('your comment is published');
}

test('1,000 comments posted at once through the form, 100 in flight, two server processes: each stored once and shown', async () => {
  test.setTimeout(360_000);
  const server = await site.start({ WEB_CONCURRENCY: '2', COMMENT_RATE_LIMIT: 'off', COMMENT_MIN_FILL_SECONDS: '0' });
  try {
    const posts = (await site.publishedNewestFirst()).slice(2, 12);
    const forms = await Promise.all(
      posts.map(async (post) => formFields((await get(server.base, `/posts/${post.slug}`)).html)),
    );
    const before = await Promise.all(posts.map((post) => site.publishedComments(post.id)));
    const run = Date.now().toString(36);
    const token = (i: number) => `burst-${run}-${i}-end`;
    const accepted = new Set<number>();
    const refused: number[] = [];
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      for (let i = next++; i < 1000; i = next++) {
        const which = i % posts.length;
        const ok = await postForm(server.base, `/posts/${posts[which]!.slug}`, forms[which]!, {
          name: `Reader ${i}`,
          email: `reader${i}@example.test`,
          body: `Concurrent comment ${token(i)}.`,
        }).catch(() => false);
        if (ok) accepted.add(i);
        else refused.push(i);
      }
    };
    await Promise.all(Array.from({ length: 100 }, lane));
    const ms = Math.round(performance.now() - started);

    const rows = await site.sql<{ token: string; n: number }[]>`
      select substring(body from ${`burst-${run}-[0-9]+-end`}) as token, count(*)::int as n
      from comments where body like ${`%burst-${run}-%`} group by 1`;
    const stored = new Map(rows.map((row) => [row.token, row.n]));
    const duplicated = rows.filter((row) => row.n > 1).map((row) => row.token);
    const lost = [...accepted].filter((i) => !stored.has(token(i)));
    const unacknowledged = refused.filter((i) => stored.has(token(i)));
    console.log(
      `1,000 comments through the form, 100 in flight, 2 processes: ${accepted.size} accepted, ${refused.length} refused, ` +
        `${rows.length} stored, ${duplicated.length} duplicated, ${lost.length} lost, in ${ms} ms (${Math.round(1000 / (ms / 1000))}/s)`,
    );
    expect(refused, 'with no flood control, nothing is refused').toEqual([]);
    expect(duplicated).toEqual([]);
    expect(lost).toEqual([]);
    expect(unacknowledged).toEqual([]);
    expect(rows).toHaveLength(accepted.size);

    for (const [which, post] of posts.entries()) {
      const mine = [...accepted].filter((i) => i % posts.length === which);
      expect(await site.publishedComments(post.id), post.slug).toBe(before[which]! + mine.length);
      const page = await get(server.base, `/posts/${post.slug}`);
      expect(page.status).toBe(200);
      const shown = new Set(page.html.match(new RegExp(`burst-${run}-\\d+-end`, 'g')) ?? []);
      expect(
        mine.filter((i) => !shown.has(token(i))),
        `${post.slug}: accepted comments missing from its page`,
      ).toEqual([]);
      expect(shown.size, `${post.slug}: only its own comments`).toBe(mine.length);
      expect(page.html).toContain(`${before[which]! + mine.length} comments`);
    }
  } finally {
    await server.stop();
  }
});
