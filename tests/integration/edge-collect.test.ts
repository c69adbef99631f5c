import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { VARNISHNCSA_FORMAT } from '@/lib/stats/edge-log';
import { readStats } from '@/lib/stats/reader';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import { freePort } from '@/lib/core/free-port';
import { daemon } from '../support/daemon';
import { deleteStatsKeys, testRedisUrl } from '../support/redis';

/*
 * `npm run edge:collect` as an operator runs it: a child process writing to the real Redis under
 * a prefix of each test's own, fed varnishncsa's lines on stdin, or running varnishncsa against
 * a real varnishd.
 */

const connection = createUpstashRedis({ redisUrl: testRedisUrl });
const prefixes: string[] = [];
after(async () => {
  await connection.close();
  for (const prefix of prefixes) await deleteStatsKeys(prefix);
});

function newPrefix(): string {
  const prefix = `fptest_collect_${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
}

const report = (prefix: string) => readStats(connection.redis, prefix, '1h', Date.now());

function startCollector(args: string[], options: { prefix: string; flushMs?: number }) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: testRedisUrl,
    STATS_PREFIX: options.prefix,
    STATS_RECORDING: 'on',
    // A minute unless the test says otherwise: only the flush at the end can have written the counts.
    STATS_FLUSH_MS: String(options.flushMs ?? 60_000),
  };
  delete env.UPSTASH_REDIS_REST_URL;
  delete env.UPSTASH_REDIS_REST_TOKEN;
  delete env.VARNISH_NAME;
  const child = spawn(
    process.execPath,
    ['--conditions=react-server', '--import', 'tsx', 'server/edge-collect.ts', ...args],
    {
      cwd: process.cwd(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const stderrSeen: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of stderrSeen) if (waiter.pattern.test(stderr)) waiter.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    stderrMatches: (pattern: RegExp) =>
      new Promise<void>((resolve) => (pattern.test(stderr) ? resolve() : stderrSeen.push({ pattern, resolve }))),
  };
}

const PIPED_LINES = [
  'hit GET 200 HIT /',
  'hit GET 200 HIT /',
  'hit HEAD 200 HIT /',
  'hit GET 200 MISS /posts/a.rsc?_rsc=1',
  'hit GET 304 HIT /posts/a',
  'hit GET 404 HIT /wp-login.php',
  // Reached the server, which counts these itself.
  'miss GET 200 MISS /',
  'pass GET 200 - /stats',
  // A static file: not a page from Next's page cache.
  'hit GET 200 - /_next/static/chunks/app.js',
];

function assertPipedCounts(r: Awaited<ReturnType<typeof report>>) {
  const edgeHits = Object.fromEntries(r.pages.map((row) => [row.page, row.edgeHit]));
  assert.deepEqual(edgeHits, { '/': 3, '/posts/a': 2, '(not found)': 1 });
  assert.deepEqual([r.totals.edgeHit, r.totals.requests, r.totals.hit, r.totals.miss], [6, 6, 0, 0]);
}

test('the collector counts the Varnish hits piped to it, and only those, and writes them at the end of its input', async () => {
  const prefix = newPrefix();
  const collector = startCollector(['--stdin'], { prefix });
  collector.child.stdin.end(PIPED_LINES.join('\n'));
  assert.equal(await collector.exited, 0, collector.output().stderr);
  assertPipedCounts(await report(prefix));
  assert.match(collector.output().stdout, /counted 6 edge hits in 9 lines/);
});

test('on SIGTERM the collector writes what it has counted and exits 0', async () => {
  const prefix = newPrefix();
  const collector = startCollector(['--stdin'], { prefix });
  // Lines are read in order, so the warning about the last one means all before it were counted.
  collector.child.stdin.write([...PIPED_LINES, '127.0.0.1 - - "GET / HTTP/1.1" 200 512', ''].join('\n'));
  await collector.stderrMatches(/line 10 is not in the expected format/);
  assert.deepEqual((await report(prefix)).totals.requests, 0, 'nothing written before the shutdown');
  collector.child.kill('SIGTERM');
  assert.equal(await collector.exited, 0, collector.output().stderr);
  assertPipedCounts(await report(prefix));
});

test('--help prints the exact varnishncsa command line', async () => {
  const collector = startCollector(['--help'], { prefix: newPrefix() });
  assert.equal(await collector.exited, 0);
  assert.ok(collector.output().stdout.includes(`varnishncsa -c -F '${VARNISHNCSA_FORMAT}'`), collector.output().stdout);
});

const varnishncsaInstalled = spawnSync('varnishncsa', ['-V']).status === 0;

test('when varnishncsa ends, the collector exits non-zero and says why', async () => {
  const workdir = path.join(os.tmpdir(), `freshpress-no-varnish-${randomUUID().slice(0, 8)}`);
  const collector = startCollector(['--name', workdir], { prefix: newPrefix() });
  collector.child.stdin.end();
  assert.notEqual(await collector.exited, 0);
  assert.match(
    collector.output().stderr,
    varnishncsaInstalled
      ? new RegExp(`varnishncsa for ${workdir} exited \\(code \\d+\\)`)
      : /could not run varnishncsa/,
  );
});

const varnishdInstalled = spawnSync('varnishd', ['-V']).status === 0;

test(
  'behind a real Varnish, its hits on cached pages are counted through varnishncsa; misses, passes and static files are not',
  { skip: !varnishdInstalled || !varnishncsaInstalled ? 'Varnish is not installed' : false, timeout: 90_000 },
  async () => {
    // In place of the server: pages carry x-nextjs-cache as Next's do, static files do not.
    const origin = createServer((req, res) => {
      if (req.url?.startsWith('/_next/static/')) {
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        res.end('static');
        return;
      }
      res.setHeader('x-nextjs-cache', 'HIT');
      res.setHeader('cache-control', 'public, max-age=0, must-revalidate');
      res.statusCode = req.url?.startsWith('/nope') ? 404 : 200;
      res.end(`page ${req.url}`);
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'freshpress-varnish-'));
    const vcl = path.join(dir, 'test.vcl');
    // Pages are kept an hour, as a purging edge would; /stats is never kept.
    await writeFile(
      vcl,
      `vcl 4.1;
backend default { .host = "127.0.0.1"; .port = "${(origin.address() as AddressInfo).port}"; }
sub vcl_recv { if (req.url ~ "^/stats") { return (pass); } }
sub vcl_backend_response { set beresp.ttl = 1h; }
`,
    );
    const port = await freePort();
    const workdir = path.join(dir, 'varnish');
    const varnish = daemon(
      'varnishd',
      () => ['varnishd', ['-F', '-n', workdir, '-a', `127.0.0.1:${port}`, '-f', vcl, '-s', 'malloc,16m', '-j', 'none']],
      'Child launched OK',
      'SIGTERM',
    );
    const prefix = newPrefix();
    let collector: ReturnType<typeof startCollector> | null = null;
    try {
      await varnish.start();
      collector = startCollector(['--name', workdir], { prefix, flushMs: 100 });
      const get = (url: string, method = 'GET') =>
        fetch(`http://127.0.0.1:${port}${url}`, { method }).then((r) => r.arrayBuffer());
      const edgeHitsOf = async (page: string) =>
        (await report(prefix)).pages.find((row) => row.page === page)?.edgeHit ?? 0;

      // varnishncsa logs from when it has attached: until then a request would go uncounted.
      // Beside a build, starting the collector and varnishncsa can take a while.
      const attached = Date.now() + 40_000;
      while ((await edgeHitsOf('/ready')) === 0) {
        assert.ok(Date.now() < attached, `the collector never counted a hit: ${collector.output().stderr}`);
        await get('/ready');
      }

      for (const url of [
        '/',
        '/',
        '/',
        '/_next/static/a.js',
        '/_next/static/a.js',
        '/stats',
        '/stats',
        '/nope',
        '/nope',
      ])
        await get(url);
      await get('/', 'HEAD');
      // First requests were misses; then 2 GET and 1 HEAD hits on /, and one on the 404.
      const counted = Date.now() + 20_000;
      while ((await edgeHitsOf('/')) < 3 || (await edgeHitsOf('(not found)')) < 1) {
        assert.ok(
          Date.now() < counted,
          `the hits were not counted in time: ${JSON.stringify((await report(prefix)).pages)} ${collector.output().stderr}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      collector.child.kill('SIGTERM');
      assert.equal(await collector.exited, 0, collector.output().stderr);
      const r = await report(prefix);
      const edgeHits = Object.fromEntries(
        r.pages.filter((row) => row.page !== '/ready').map((row) => [row.page, row.edgeHit]),
      );
      assert.deepEqual(edgeHits, { '/': 3, '(not found)': 1 }, collector.output().stderr);
      assert.equal(r.totals.miss, 0);
    } finally {
      if (collector && collector.child.exitCode === null) collector.child.kill('SIGKILL');
      // A varnishncsa left behind would hold the collector's stderr open, and this file with it.
      collector?.child.stdout.destroy();
      collector?.child.stderr.destroy();
      await varnish.stop();
      origin.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
