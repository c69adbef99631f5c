import { randomUUID } from 'node:crypto';
import { runtimeFiles } from '../../server/runtime-files';
import { deleteStatsKeys, startPrivateRedis, type PrivateRedis } from '../support/redis';
import { expect, test } from './support/fixtures';
import { freePort, startProcess, waitForHttp, type RunningProcess } from './support/server';
import { expectRecordedRequests, load, statsReport } from './support/stats';

/*
 * A server of this file's own, counting into a private redis-server that the tests stop and start.
 * It shares the suite's build and database; it only reads pages, so it disturbs no other test.
 */

let redis: PrivateRedis;
const prefix = `fptest_resilience_${randomUUID().slice(0, 8)}`;

test.beforeAll(async () => {
  redis = await startPrivateRedis();
});
test.afterAll(async () => {
  await redis.stop();
});

async function startServer(port: number, extra: Record<string, string> = {}): Promise<RunningProcess> {
  const server = startProcess(process.execPath, [runtimeFiles.server], {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    PORT: String(port),
    REDIS_URL: redis.url,
    STATS_PREFIX: prefix,
    ...extra,
  });
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, server.child, server.output, 60_000);
  return server;
}

test('counts stay exact across flushes and a restart of the server', async ({ request, blog }) => {
  test.setTimeout(120_000);
  await deleteStatsKeys(prefix, redis.url);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const posts = await blog.publishedNewestFirst();
  const paths = ['/', `/posts/${posts[1]!.slug}`, `/posts/${posts[150]!.slug}`, '/feed.xml'];

  const first = await startServer(port);
  try {
    await load(base, paths, 800, 16);
  } finally {
    // SIGTERM: the server writes the counts still in memory before it exits.
    await first.stop();
  }
  const second = await startServer(port);
  try {
    await load(base, paths, 700, 16);
    await expectRecordedRequests(request, base, 1500);
  } finally {
    await second.stop();
  }
});

test('with Redis stopped, every page is still served; the dashboard says since when; counts beyond the buffer are dropped and reported; recording resumes', async ({
  request,
  blog,
  page,
}) => {
  test.setTimeout(120_000);
  await deleteStatsKeys(prefix, redis.url);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const posts = await blog.publishedNewestFirst();
  const server = await startServer(port, { STATS_BUFFER_LIMIT: '300' });
  try {
    // Many distinct pages: each needs counters of its own, so the small buffer overflows during the
    // outage. They are rendered now, so the outage sees only hits and no rebuild records. One
    // connection walks the whole list (autocannon starts every connection at its head).
    const postPaths = posts.slice(0, 120).map((p) => `/posts/${p.slug}`);
    // In small batches: the tiny buffer bounds what one flush interval may hold, Redis up or down.
    for (let i = 0; i < postPaths.length; i += 15) {
      await load(base, postPaths.slice(i, i + 15), 30, 1);
      await expectRecordedRequests(request, base, 2 * Math.min(i + 15, postPaths.length));
    }

    await redis.stop();
    const result = await load(base, postPaths, 600, 1);
    expect(result.latency.p99, 'serving does not wait on Redis').toBeLessThan(2000);

    const unavailable = await request.get(`${base}/api/stats?range=1h`);
    expect(unavailable.status()).toBe(503);
    const body = (await unavailable.json()) as {
      error: string;
      store: { reachable: boolean; unreachableSince: string };
    };
    expect(body.store.reachable).toBe(false);
    expect(Date.parse(body.store.unreachableSince)).toBeLessThanOrEqual(Date.now());
    await redis.start();
    await expect
      .poll(
        async () => {
          const response = await request.get(`${base}/api/stats?range=1h`);
          return response.status() === 200
            ? ((await response.json()) as { dropped: { allTime: number } }).dropped.allTime
            : -1;
        },
        { timeout: 20_000, intervals: [250] },
      )
      .toBeGreaterThan(0);
    const afterOutage = await statsReport(request, base);
    // The restarted redis-server kept nothing; what the server buffered arrives now, the rest is counted as dropped.
    expect(afterOutage.totals.requests + afterOutage.dropped.allTime).toBe(600);
    await load(base, ['/'], 50, 4);
    await expectRecordedRequests(request, base, afterOutage.totals.requests + 50);

    // Last, as the browser's own requests (a favicon) would be counted too: what an operator sees.
    await redis.stop();
    await page.goto(`${base}/stats`);
    await expect(page.getByTestId('store-status')).toContainText('unreachable');
  } finally {
    await server.stop();
  }
});
