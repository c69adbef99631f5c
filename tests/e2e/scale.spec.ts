import { randomUUID } from 'node:crypto';
import { migrateDatabase } from '../../db/migrate';
import { startPrivatePostgres } from '../support/postgres';
import { expect, test } from './support/fixtures';
import { freePort } from './support/server';
import { comment, get, OwnSite, SITE_ADMIN_TOKEN } from './support/site';

/*
 * Several server processes on one port, and the health endpoint that says how the site is doing.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('scale'));
test.afterAll(async () => site.close());

interface HealthBody {
  status: string;
  database: { ok: boolean; error?: string };
  redis: { used: boolean; ok?: boolean };
  cache: { mode: string; buildId: string | null; catchingUp: boolean };
  processes: { count: number; index: number; pid: number };
  invalidationBacklog: number | null;
}

/** /api/health with the admin token: the detail. */
async function health(base: string): Promise<{ status: number; body: HealthBody; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${base}/api/health`, {
    headers: { connection: 'close', authorization: `Bearer ${SITE_ADMIN_TOKEN}` },
  });
  return { status: response.status, body: (await response.json()) as HealthBody, ms: performance.now() - started };
}

/** /api/health as a load balancer, or anyone without the admin token (`token`: none, or a wrong one), is told it. */
async function publicHealth(base: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}/api/health`, {
    headers: { connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: response.status, body: await response.json() };
}

/** The pids answering on a port, over a number of fresh connections. */
async function pidsAnswering(base: string, tries = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add((await health(base)).body.processes.pid);
  return pids;
}

test('two server processes on one port share the cache: health names both, and a comment through either is on every next response', async () => {
  const server = await site.start({ WEB_CONCURRENCY: '2' });
  try {
    expect(server.output()).toContain('starting 2 server processes');
    const pids = await pidsAnswering(server.base);
    expect(pids.size).toBe(2);
    const { body } = await health(server.base);
    expect(body).toMatchObject({
      status: 'ok',
      database: { ok: true },
      redis: { used: true, ok: true },
      cache: { mode: 'shared' },
      processes: { count: 2 },
    });
    expect(body.cache.buildId).toBeTruthy();
    expect(body.invalidationBacklog).toBe(0);

    const [post] = await site.publishedNewestFirst();
    // Every connection is new, so the two processes take turns: writes and reads cross between them.
    for (let i = 0; i < 10; i++) {
      const text = `two processes ${i} ${randomUUID()}`;
      await comment(server.base, post!.id, text);
      for (let j = 0; j < 2; j++) expect((await get(server.base, `/posts/${post!.slug}`)).html).toContain(text);
    }
  } finally {
    await server.stop();
  }
});

test('without Redis, one server process runs on Next’s own file cache, and says so in one line', async () => {
  const closedPort = await freePort();
  const server = await site.start({
    WEB_CONCURRENCY: '2',
    REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    FRESHPRESS_DIST_DIR: await site.copyOfBuild('no-redis'),
  });
  try {
    const lines = server
      .output()
      .split('\n')
      .filter((line) => /unreachable/.test(line) && /file cache/.test(line));
    expect(lines).toEqual([expect.stringContaining("one server process on Next's own file cache, not 2")]);
    const { body } = await health(server.base);
    expect(body).toMatchObject({
      status: 'ok',
      redis: { used: false },
      cache: { mode: 'local' },
      processes: { count: 1 },
    });
    expect((await get(server.base, '/')).status).toBe(200);
  } finally {
    await server.stop();
  }
});

test('killing one server process loses no request that was not in flight, and a new process takes its place', async () => {
  const server = await site.start({ WEB_CONCURRENCY: '2' });
  try {
    const [victim] = await pidsAnswering(server.base);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const LOOPS = 8;
    const loops = Array.from({ length: LOOPS }, async () => {
      while (!stop) {
        try {
          const page = await get(server.base, '/');
          if (page.status === 200) ok += 1;
          else failures.push(`status ${page.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    await expect.poll(() => ok, { message: 'load is running' }).toBeGreaterThan(50);
    process.kill(victim!, 'SIGKILL');
    const okAtKill = ok;
    await expect.poll(() => ok - okAtKill, { message: 'the other process keeps serving' }).toBeGreaterThan(200);
    stop = true;
    await Promise.all(loops);
    // Only a request already handed to the killed process can fail (or get no answer): at most one per loop.
    expect(failures.length).toBeLessThanOrEqual(LOOPS);

    await expect
      .poll(() => server.output(), { message: 'the restart is logged' })
      .toMatch(new RegExp(`server process ${victim} \\(#\\d\\) exited \\(SIGKILL\\); starting another`));
    await expect
      .poll(
        async () => {
          const pids = await pidsAnswering(server.base, 6);
          return pids.size === 2 && !pids.has(victim!);
        },
        { message: 'two processes answer again, the killed one replaced' },
      )
      .toBe(true);
  } finally {
    await server.stop();
  }
});

test('health answers 503 naming the database when PostgreSQL is unreachable, quickly, and 200 again when it is back; without the admin token it says only which part is down', async () => {
  const postgres = await startPrivatePostgres();
  try {
    await migrateDatabase(postgres.url);
    const server = await site.start({ DATABASE_URL: postgres.url });
    try {
      expect((await health(server.base)).status).toBe(200);
      expect(await publicHealth(server.base)).toEqual({
        status: 200,
        body: { status: 'ok', database: 'ok', redis: 'ok' },
      });
      await postgres.stop();
      const down = await health(server.base);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('down');
      expect(down.body.database.ok).toBe(false);
      expect(down.body.database.error).toBeTruthy();
      expect(down.body.redis).toMatchObject({ used: true, ok: true });
      expect(down.ms).toBeLessThan(2500);
      // Anyone else, a wrong token included: the parts, no driver error (it names the database's
      // address), no pid, build id or memory.
      for (const token of [undefined, 'not-the-admin-token-0123456789']) {
        expect(await publicHealth(server.base, token), `token ${token}`).toEqual({
          status: 503,
          body: { status: 'down', database: 'down', redis: 'ok' },
        });
      }

      await postgres.start();
      await expect
        .poll(async () => (await health(server.base)).status, { message: 'healthy again once PostgreSQL is back' })
        .toBe(200);
    } finally {
      await server.stop();
    }
  } finally {
    await postgres.remove();
  }
});
