import { startPrivateRedis } from '../support/redis';
import { expect, test } from './support/fixtures';
import { freePort } from './support/server';
import { comment, get, OwnSite, SITE_ADMIN_TOKEN } from './support/site';

/*
 * What the server prints must never hold a secret it was given: passwords in REDIS_URL and
 * DATABASE_URL, the admin's and the statistics' passwords, the admin token. Servers of this file's
 * own site, the cluster's primary included, through the paths that log: Redis unreachable at
 * start, and Redis lost while a comment is written and pages are read.
 */

const REDIS_PASSWORD = 'redis-pw-4f7c1e9a2b';
// The suite's PostgreSQL trusts local connections and ignores it; a real one would check it.
const DATABASE_PASSWORD = 'pg-pw-8d2e6b0c5a';
const ADMIN_PASSWORD = 'admin-pw-3a9f7e1d4c';
const STATS_PASSWORD = 'stats-pw-6c1b8e2f0d';
const SECRETS = [REDIS_PASSWORD, DATABASE_PASSWORD, ADMIN_PASSWORD, STATS_PASSWORD, SITE_ADMIN_TOKEN];

const site = new OwnSite();
test.beforeAll(async () => site.open('log_secrets'));
test.afterAll(async () => site.close());

function withSecrets(redisPort: number): Record<string, string> {
  const database = new URL(site.database.url);
  database.password = DATABASE_PASSWORD;
  return {
    DATABASE_URL: database.toString(),
    REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redisPort}`,
    ADMIN_PASSWORD,
    STATS_PASSWORD,
    WEB_CONCURRENCY: '2',
  };
}

const linesHolding = (output: string, secret: string) => output.split('\n').filter((line) => line.includes(secret));

test('no line the server prints holds a password or token, with Redis unreachable at start or lost while it serves', async () => {
  test.setTimeout(240_000);
  const outputs: string[] = [];

  // Unreachable at start: the primary says where Redis is and runs one process on the file cache.
  const closedPort = await freePort();
  const alone = await site.start({
    ...withSecrets(closedPort),
    FRESHPRESS_DIST_DIR: await site.copyOfBuild('log-secrets-no-redis'),
  });
  try {
    expect((await get(alone.base, '/')).status).toBe(200);
    expect(alone.output(), 'the primary names Redis without its password').toContain(
      `Redis at redis://:***@127.0.0.1:${closedPort} is unreachable`,
    );
  } finally {
    await alone.stop();
    outputs.push(alone.output());
  }

  // Lost while two processes serve from it: each says so, a comment is written without it, then it is back.
  const redis = await startPrivateRedis(['--requirepass', REDIS_PASSWORD]);
  try {
    const shared = await site.start(withSecrets(redis.port));
    try {
      expect(shared.output()).toContain('starting 2 server processes');
      const [post] = await site.publishedNewestFirst();
      const page = `/posts/${post!.slug}`;
      expect((await get(shared.base, page)).status).toBe(200);
      await redis.stop();
      await comment(shared.base, post!.id, `written while Redis was away ${Date.now()}`);
      for (let i = 0; i < 4; i++) expect((await get(shared.base, page)).status).toBe(200);
      await expect
        .poll(() => shared.output(), { message: 'the loss of Redis is logged, without its password' })
        .toContain(`Redis at redis://:***@127.0.0.1:${redis.port} is unreachable`);
      await redis.start();
      await expect
        .poll(() => shared.output(), { message: 'the return of Redis is logged', timeout: 30_000 })
        .toContain('is reachable again');
    } finally {
      await shared.stop();
      outputs.push(shared.output());
    }
  } finally {
    await redis.stop();
  }

  const output = outputs.join('\n');
  for (const secret of SECRETS) expect(linesHolding(output, secret), secret).toEqual([]);
});
