import { test as base, expect, type APIRequestContext } from '@playwright/test';
import postgres from 'postgres';
import { processOutputs } from './server';

/** What a test needs to know about one response of a cached page. */
export interface Snapshot {
  status: number;
  html: string;
  generatedAt: string | null;
  cache: string | null;
}

/** The render marker of an HTML page (a meta tag) or of the feed (an XML comment). */
export function generatedAtOf(body: string): string | null {
  return (
    body.match(/<meta name="x-generated-at" content="([^"]+)"/)?.[1] ??
    body.match(/<!-- x-generated-at: (\S+) -->/)?.[1] ??
    null
  );
}

export async function snapshot(request: APIRequestContext, path: string): Promise<Snapshot> {
  const response = await request.get(path, { maxRedirects: 0 });
  const html = await response.text();
  // Next renders a 404 from its not-found shell, whose head is not the layout's.
  if (response.status() === 200) expect(generatedAtOf(html), `${path} carries a render marker`).not.toBeNull();
  return {
    status: response.status(),
    html,
    generatedAt: generatedAtOf(html),
    cache: response.headers()['x-nextjs-cache'] ?? null,
  };
}

/** Requests a page until it is in the page cache, so later requests can show whether it was rebuilt. */
export async function warm(request: APIRequestContext, path: string): Promise<Snapshot> {
  const first = await snapshot(request, path);
  const second = await snapshot(request, path);
  expect(second.cache, `${path} should be served from the page cache once rendered`).toBe('HIT');
  expect(second.generatedAt, `${path} cached copy keeps its render time`).toBe(
    first.cache === 'HIT' ? first.generatedAt : second.generatedAt,
  );
  return second;
}

export interface PostRef {
  id: number;
  slug: string;
  title: string;
  tags: string[];
}

/** The published posts in list order, with their tags: how tests choose posts by their place in the lists. */
export function publishedNewestFirst(sql: postgres.Sql): Promise<PostRef[]> {
  return sql<PostRef[]>`
    select p.id, p.slug, p.title,
      coalesce((select array_agg(t.name order by t.name) from post_tags pt join tags t on t.id = pt.tag_id where pt.post_id = p.id), '{}') as tags
    from posts p where p.status = 'published' order by p.published_at desc, p.id desc`;
}

/** Brings every page into the page cache and keeps what each looked like. */
export async function warmAll(request: APIRequestContext, paths: string[]): Promise<Map<string, Snapshot>> {
  const out = new Map<string, Snapshot>();
  for (const path of paths) out.set(path, await warm(request, path));
  return out;
}

/** Each page is still the cached copy `before` saw: a HIT with the same render marker. */
export async function expectUntouched(request: APIRequestContext, before: Map<string, Snapshot>, paths: string[]) {
  for (const path of paths) {
    const now = await snapshot(request, path);
    expect(now.cache, `${path} still served from the page cache`).toBe('HIT');
    expect(now.generatedAt, `${path} was not rebuilt`).toBe(before.get(path)?.generatedAt);
  }
}

/** The page was rendered again since `before`: a new render marker. */
export async function expectRebuilt(
  request: APIRequestContext,
  before: Map<string, Snapshot>,
  path: string,
): Promise<Snapshot> {
  const now = await snapshot(request, path);
  expect(now.status).toBe(200);
  expect(now.generatedAt, `${path} was rebuilt`).not.toBe(before.get(path)?.generatedAt);
  return now;
}

/** A tag the post does not carry. */
export function pickUnrelatedTag(all: PostRef[], post: PostRef): string {
  const tag = all.flatMap((p) => p.tags).find((name) => !post.tags.includes(name));
  if (!tag) throw new Error('no unrelated tag in the seed');
  return tag;
}

/** Read-only access to the e2e database, to choose posts by their place in the lists. */
export class Blog {
  constructor(private readonly sql: postgres.Sql) {}

  publishedNewestFirst(): Promise<PostRef[]> {
    return publishedNewestFirst(this.sql);
  }

  async firstDraft(): Promise<{ id: number; slug: string } | undefined> {
    const [row] = await this.sql<
      { id: number; slug: string }[]
    >`select id, slug from posts where status = 'draft' order by id limit 1`;
    return row;
  }

  async commenterEmails(): Promise<string[]> {
    const rows = await this.sql<{ author_email: string }[]>`select distinct author_email from comments`;
    return rows.map((row) => row.author_email);
  }

  async commentsByEmail(email: string) {
    return this.sql<{ id: number; status: string; body: string; author_name: string }[]>`
      select id, status, body, author_name from comments where author_email = ${email} order by id`;
  }

  async publishedCommentCount(postId: number): Promise<number> {
    const [row] = await this.sql<
      { n: number }[]
    >`select count(*)::int as n from comments where post_id = ${postId} and status = 'published'`;
    return row?.n ?? 0;
  }
}

export const test = base.extend<{ adminToken: string; serverOutputOnFailure: void }, { blog: Blog }>({
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL);
  },
  // A server's 500 shows in the browser as an error page; why is in the server's own output.
  serverOutputOnFailure: [
    async ({}, use, testInfo) => {
      const since = Date.now();
      await use();
      if (testInfo.status === testInfo.expectedStatus) return;
      const outputs = processOutputs(since);
      if (outputs.length > 0) console.log(`[${testInfo.title}] what its servers printed:\n${outputs.join('\n')}`);
    },
    { auto: true },
  ],
  adminToken: async ({}, use) => {
    await use(process.env.E2E_ADMIN_TOKEN ?? '');
  },
  blog: [
    async ({}, use) => {
      const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
      await use(new Blog(sql));
      await sql.end({ timeout: 5 });
    },
    { scope: 'worker' },
  ],
});

export { expect };
