import { randomUUID } from 'node:crypto';
import { cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { runtimeFiles } from '../../../server/runtime-files';
import { dropDatabase, freshSeededDatabase } from '../../support/databases';
import { deleteStatsKeys, testRedisUrl } from '../../support/redis';
import { expect, generatedAtOf, publishedNewestFirst, type PostRef } from './fixtures';
import { freePort, startProcess, waitForHttp, type RunningProcess } from './server';

/*
 * A site of a spec file's own: production servers from the suite's build, on a database of their
 * own (a copy of the seeded template the build was made from) and Redis prefixes of their own, so
 * nothing they do disturbs the other suites, and nothing of theirs reaches these servers.
 */

export const SITE_ADMIN_TOKEN = 'own-site-admin-token-0123456789';

export interface SiteServer extends RunningProcess {
  base: string;
  port: number;
}

export interface Page {
  status: number;
  html: string;
  marker: string | null;
  cache: string | null;
}

export class OwnSite {
  readonly prefix = `fptest_site_${randomUUID().slice(0, 8)}`;
  database!: { name: string; url: string };
  sql!: postgres.Sql;
  private readonly distDirs: string[] = [];

  async open(label: string): Promise<void> {
    this.database = await freshSeededDatabase(label);
    this.sql = postgres(this.database.url, { max: 2, onnotice: () => {} });
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
    await dropDatabase(this.database.name);
    await deleteStatsKeys(this.prefix);
    for (const dir of this.distDirs) await rm(path.join(process.cwd(), dir), { recursive: true, force: true });
  }

  /**
   * `.freshpress/server.mjs` (what `npm start` runs) on this site's database, ready to serve within
   * `readyWithinMs`.
   */
  async start(extra: Record<string, string> = {}, port?: number, readyWithinMs = 60_000): Promise<SiteServer> {
    const chosen = port ?? (await freePort());
    const server = startProcess(process.execPath, [runtimeFiles.server], {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: this.database.url,
      PORT: String(chosen),
      ADMIN_TOKEN: SITE_ADMIN_TOKEN,
      STATS_PREFIX: this.prefix,
      REDIS_URL: testRedisUrl,
      WEB_CONCURRENCY: '1',
      COMMENT_RATE_LIMIT: 'off',
      COMMENT_MIN_FILL_SECONDS: '0',
      SEARCH_RATE_LIMIT: 'off',
      ...extra,
    });
    // HOST, when a test sets it, is an IPv4 address of this host's loopback.
    const base = `http://${extra.HOST ?? '127.0.0.1'}:${chosen}`;
    await waitForHttp(`${base}/api/health`, server.child, server.output, readyWithinMs);
    return { ...server, base, port: chosen };
  }

  /** A build directory name of this site's own, removed at the end (for builds the test makes). */
  ownDistDir(name: string): string {
    const dir = `.next-e2e-${name}`;
    this.distDirs.push(dir);
    return dir;
  }

  /** A copy of the build in a folder of its own: a second deploy of it, or Next's file cache for one server alone. */
  async copyOfBuild(name: string, buildId?: string): Promise<string> {
    const dir = `.next-e2e-${name}`;
    this.distDirs.push(dir);
    await rm(path.join(process.cwd(), dir), { recursive: true, force: true });
    await cp(path.join(process.cwd(), '.next'), path.join(process.cwd(), dir), {
      recursive: true,
      filter: (source) =>
        !source.includes(`${path.sep}cache${path.sep}turbopack`) && !source.endsWith(`${path.sep}standalone`),
    });
    if (buildId) await writeFile(path.join(process.cwd(), dir, 'BUILD_ID'), buildId);
    return dir;
  }

  publishedNewestFirst(): Promise<PostRef[]> {
    return publishedNewestFirst(this.sql);
  }

  async publishedComments(postId: number): Promise<number> {
    const [row] = await this.sql<
      { n: number }[]
    >`select count(*)::int as n from comments where post_id = ${postId} and status = 'published'`;
    return row?.n ?? 0;
  }
}

/**
 * One GET on a connection of its own (so a server with several processes takes turns answering),
 * given up after 10 s (a connection handed to a process that then died gets no answer at all).
 */
export async function get(base: string, pagePath: string): Promise<Page> {
  const response = await fetch(`${base}${pagePath}`, {
    redirect: 'manual',
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(10_000),
  });
  const html = await response.text();
  return { status: response.status, html, marker: generatedAtOf(html), cache: response.headers.get('x-nextjs-cache') };
}

export function postComment(base: string, postId: number, body: string): Promise<Response> {
  return fetch(`${base}/api/admin/comments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ postId, authorName: 'Reader', authorEmail: 'reader@example.com', body }),
  });
}

export async function comment(base: string, postId: number, body: string): Promise<void> {
  const response = await postComment(base, postId, body);
  expect(response.status, await response.clone().text()).toBe(201);
}

/** /api/health with its detail (pid, memory, errors, render-ahead counts…): only the admin token gets it. */
export async function healthDetail<T>(base: string): Promise<T> {
  const response = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}` } });
  return (await response.json()) as T;
}
