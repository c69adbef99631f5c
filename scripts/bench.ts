import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { growDatabase } from '@/db/grow';
import { migrateDatabase } from '@/db/migrate';
import { seedDatabase } from '@/db/seed';
import { readStats } from '@/lib/stats/reader';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import { build } from '@/server/build';
import { freePort } from '@/lib/core/free-port';
import { slotPrefix } from '@/lib/core/redis-keys';
import { runtimeFiles } from '@/server/runtime-files';
import { seedStatsHistory } from './seed-stats';
import { newPurgeToken, startVarnish, type Varnish } from './varnish';
import { ALLOCATOR_ENV } from '../server/allocator';

/*
 * `npm run bench [-- --quick]`: the speed of cached pages against what a user would pick instead,
 * measured side by side in one run (absolute numbers drift on shared machines; ratios hold).
 * It builds, prepares a seeded database of its own, starts every server it measures, drives load
 * with autocannon (and wrk when installed), and writes bench/results/<date>.json and .md.
 */

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const DURATION_S = quick ? 4 : 10;
const CONNECTIONS = 32;
const STORM_COMMENTS = quick ? 100 : 400;
const FRESHNESS_SAMPLES = quick ? 20 : 50;
const WARM_SAMPLES = quick ? 4 : 10;
const STATS_PAGES = quick ? 200 : 1000;
const SCALE_POSTS = quick ? 10_000 : 60_000;

const root = process.cwd();
const serverUrl = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `freshpress_bench_${Date.now().toString(36)}`;
const adminToken = 'bench-admin-token-0123456789abcdef';
const adminHeaders = { headers: { authorization: `Bearer ${adminToken}` } };

const log = (line: string) => console.log(`[bench] ${line}`);

function databaseUrl(name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminSql<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** What the server printed (servers of this app; empty for the others). */
  output?: () => string;
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output()}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer from ${url}:\n${output()}`);
}

/**
 * A GET after minutes of wrk: the pooled connection fetch reuses may be one the server closed as
 * idle just then ("other side closed"); asked again, on a new one.
 */
async function fetchAfterIdle(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

async function startApp(name: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [runtimeFiles.server], {
    env: {
      ...process.env,
      // As `npm start` runs the server.
      ...ALLOCATOR_ENV,
      NODE_ENV: 'production',
      PORT: String(port),
      ADMIN_TOKEN: adminToken,
      WEB_CONCURRENCY: '1',
      COMMENT_RATE_LIMIT: 'off',
      COMMENT_MIN_FILL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/health`, child, () => output);
  return {
    name,
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The physical limit: the same HTML from a static file server (nginx when installed). */
async function startStatic(html: string): Promise<Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-bench-static-'));
  await writeFile(path.join(dir, 'index.html'), html);
  const port = await freePort();
  const nginx = spawnSync('which', ['nginx']).status === 0 ? 'nginx' : null;
  if (nginx) {
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(
      conf,
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir}; location / { default_type text/html; try_files /index.html =404; } } }`,
    );
    const child = spawn(nginx, ['-c', conf, '-p', dir], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/`, child, () => 'nginx failed to start');
    return {
      name: 'nginx',
      url,
      child,
      stop: async () => {
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGQUIT');
        });
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const body = Buffer.from(html);
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    name: 'node static server',
    url: `http://127.0.0.1:${port}`,
    child: process as unknown as ChildProcess,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const probeFile = path.join(tmpdir(), `freshpress-bench-gc-${process.pid}.json`);
/** Loads scripts/gc-probe.mjs into a server, so collectedMb can ask it for a full collection. */
const gcProbe = {
  NODE_OPTIONS: `--import ${path.join(root, 'scripts', 'gc-probe.mjs')}`,
  FRESHPRESS_GC_PROBE_FILE: probeFile,
};

/**
 * A server's memory after a full collection, once RSS has settled (scripts/gc-probe.mjs), in MB:
 * what it keeps. RSS read as is also holds garbage V8 has not yet collected, which it returns once
 * the process is idle for a while.
 */
async function collectedMb(server: Server): Promise<{ rss: number; heapUsed: number } | null> {
  const pid = server.child.pid;
  if (!pid) return null;
  const since = Date.now();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    const probe = existsSync(probeFile)
      ? (JSON.parse(readFileSync(probeFile, 'utf8')) as { rss: number; heapUsed: number; at: number })
      : null;
    if (probe && probe.at >= since)
      return { rss: Math.round(probe.rss / 1048576), heapUsed: Math.round(probe.heapUsed / 1048576) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  const out = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out ? Math.round(Number(out) / 1024) : null;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  wrkRps: number | null;
}

async function measure(url: string): Promise<Sample> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  let wrkRps: number | null = null;
  if (spawnSync('which', ['wrk']).status === 0) {
    const wrk = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${Math.max(2, Math.round(DURATION_S / 2))}s`, url], {
      encoding: 'utf8',
    });
    const match = wrk.stdout.match(/Requests\/sec:\s+([\d.]+)/);
    wrkRps = match ? Number(match[1]) : null;
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    wrkRps,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** Posts a comment the way a reader with JavaScript off does: the form's own fields, as multipart. */
async function postCommentThroughForm(base: string, slug: string, token: string): Promise<void> {
  const page = await (await fetch(`${base}/posts/${slug}`)).text();
  // The comment form is the page's first form that calls a server action (the header's search form is a GET).
  const form =
    [...page.matchAll(/<form[\s\S]*?<\/form>/g)].map(([one]) => one).find((one) => one.includes('$ACTION_')) ?? '';
  const data = new FormData();
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)) {
    data.append(match[1]!.replace(/&amp;/g, '&'), (match[2] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  }
  data.append('name', 'Bench reader');
  data.append('email', `bench.${token}@example.test`);
  data.append('body', `Benchmark comment ${token}`);
  const response = await fetch(`${base}/posts/${slug}`, { method: 'POST', body: data });
  const html = await response.text();
  if (!response.ok || !html.includes(token))
    throw new Error(`comment ${token} not shown in its own response (${response.status})`);
}

async function addComment(base: string, postId: number, token: string): Promise<void> {
  const response = await fetch(`${base}/api/admin/comments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      postId,
      authorName: 'Storm',
      authorEmail: `storm.${token}@example.test`,
      body: `Storm comment ${token}`,
    }),
  });
  if (response.status !== 201) throw new Error(`admin comment failed: ${response.status} ${await response.text()}`);
}

/** From the answer to `write` to the first GET through `reader` that shows it: the post page, then the homepage. */
async function timeUntilVisible(
  reader: string,
  slug: string,
  token: string,
  write: () => Promise<void>,
): Promise<{ post: number; home: number }> {
  const homeBefore = await (await fetch(`${reader}/`)).text();
  await write();
  const answered = performance.now();
  for (;;) {
    if ((await (await fetch(`${reader}/posts/${slug}`)).text()).includes(token)) break;
  }
  const post = performance.now() - answered;
  for (;;) {
    const home = await (await fetch(`${reader}/`)).text();
    if (home !== homeBefore && home.includes(`/posts/${slug}#comments`)) break;
  }
  return { post, home: performance.now() - answered };
}

/** What every scenario shares: the database, its posts, and the servers started so far (stopped at the end). */
interface Bench {
  dbUrl: string;
  posts: { id: number; slug: string }[];
  firstTag: string;
  common: Record<string, string>;
  servers: Server[];
  stats: ReturnType<typeof createUpstashRedis>;
  varnish: Varnish | null;
}

interface Latencies {
  post: number[];
  home: number[];
}

const p50p99 = (values: number[]) => ({ p50: Math.round(median(values)), p99: Math.round(percentile(values, 99)) });
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 100) / 100);

async function prepare(dbUrl: string): Promise<Pick<Bench, 'posts' | 'firstTag'>> {
  log('preparing a seeded database…');
  await migrateDatabase(dbUrl);
  await seedDatabase(dbUrl, () => {});
  const sql = postgres(dbUrl, { max: 2 });
  const posts = await sql<
    { id: number; slug: string }[]
  >`select id, slug from posts where status = 'published' order by published_at desc, id desc`;
  const [firstTag] = await sql<
    { name: string }[]
  >`select t.name from tags t join post_tags pt on pt.tag_id = t.id where pt.post_id = ${posts[0]!.id} limit 1`;
  await sql.end();
  log('building…');
  const built = await build(
    { ...process.env, DATABASE_URL: dbUrl, NEXT_TELEMETRY_DISABLED: '1', ADMIN_TOKEN: adminToken },
    'pipe',
  );
  if (built.code !== 0) throw new Error(`build failed:\n${built.output}`);
  return { posts, firstTag: firstTag!.name };
}

async function started(bench: Bench, name: string, env: Record<string, string>): Promise<Server> {
  const server = await startApp(name, { ...bench.common, ...env });
  bench.servers.push(server);
  return server;
}

type Row = {
  key: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  wrkRps: number | null;
  rssMb: number | null;
};

/** Cached pages per second, each row against the others in the same rounds. */
async function throughput(bench: Bench) {
  const statsOn = await started(bench, 'stats on', { STATS_PREFIX: statsPrefix, ...gcProbe });
  const statsOff = await started(bench, 'stats off', { STATS_RECORDING: 'off', CACHE_PREFIX: `${statsPrefix}:cache` });
  // The same server on Next's own file cache (what one process without Redis runs), and a second
  // server sharing the first one's Redis cache, for freshness across servers.
  const localCache = await started(bench, 'local file cache', { STATS_PREFIX: `${runId}_local`, PAGE_CACHE: 'local' });
  const second = await started(bench, 'second server', { STATS_PREFIX: statsPrefix });
  // Both cores: two server processes on one port (what `npm start` runs here by default).
  const twoProcesses = await started(bench, 'two processes', { STATS_PREFIX: statsPrefix, WEB_CONCURRENCY: '2' });
  // Varnish in front of a server that tags its pages and purges them (EDGE=varnish), when installed.
  if (spawnSync('which', ['varnishd']).status === 0) {
    const varnishPort = await freePort();
    const purgeToken = newPurgeToken();
    const edgeApp = await started(bench, 'edge', {
      STATS_PREFIX: `${runId}_edge`,
      EDGE: 'varnish',
      EDGE_PURGE_URL: `http://127.0.0.1:${varnishPort}/`,
      EDGE_PURGE_TOKEN: purgeToken,
    });
    bench.varnish = await startVarnish(Number(new URL(edgeApp.url).port), {
      port: varnishPort,
      storageMb: 256,
      purgeToken,
    });
  }
  const { varnish } = bench;
  const homeHtml = await (await fetch(`${statsOn.url}/`)).text();
  const staticServer = await startStatic(homeHtml);
  bench.servers.push(staticServer);

  const postPath = `/posts/${bench.posts[0]!.slug}`;
  const tagPath = `/tags/${bench.firstTag}`;
  for (const p of ['/', postPath, tagPath]) {
    for (const server of [statsOn, statsOff, localCache, twoProcesses]) await fetch(`${server.url}${p}`);
  }
  const rows: { key: string; label: string; url: string; pid?: number }[] = [
    { key: 'cached', label: 'Cached homepage, stats on', url: `${statsOn.url}/`, pid: statsOn.child.pid },
    { key: 'statsOff', label: 'Cached homepage, stats off', url: `${statsOff.url}/`, pid: statsOff.child.pid },
    {
      key: 'local',
      label: "Cached homepage, Next's file cache (one process, no Redis)",
      url: `${localCache.url}/`,
      pid: localCache.child.pid,
    },
    {
      key: 'twoProcesses',
      label: 'Cached homepage, 2 server processes (WEB_CONCURRENCY=2)',
      url: `${twoProcesses.url}/`,
    },
    {
      key: 'dynamic',
      label: 'Homepage rendered per request (no cache)',
      url: `${statsOff.url}/uncached`,
      pid: statsOff.child.pid,
    },
    {
      key: 'static',
      label: `Same HTML from ${staticServer.name}`,
      url: `${staticServer.url}/`,
      pid: staticServer.child.pid,
    },
    { key: 'post', label: 'Cached post page, stats on', url: `${statsOn.url}${postPath}`, pid: statsOn.child.pid },
    { key: 'tag', label: 'Cached tag page, stats on', url: `${statsOn.url}${tagPath}`, pid: statsOn.child.pid },
    ...(varnish
      ? [{ key: 'varnish', label: 'Homepage through Varnish (EDGE=varnish, shipped VCL)', url: `${varnish.base}/` }]
      : []),
  ];
  if (varnish) await fetch(`${varnish.base}/`);
  const samples = new Map<string, Sample[]>(rows.map((row) => [row.key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of rows) {
      const sample = await measure(row.url);
      samples.get(row.key)!.push(sample);
      log(`round ${round}: ${row.label}: ${Math.round(sample.rps)} req/s (p99 ${sample.p99} ms)`);
    }
  }
  const table: Row[] = rows.map((row) => {
    const s = samples.get(row.key)!;
    const wrk = s.map((x) => x.wrkRps).filter((x): x is number => x !== null);
    return {
      key: row.key,
      label: row.label,
      rps: Math.round(median(s.map((x) => x.rps))),
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      errors: s.reduce((n, x) => n + x.errors, 0),
      wrkRps: wrk.length ? Math.round(median(wrk)) : null,
      rssMb: rssMb(row.pid),
    };
  });
  return { table, statsOn, second };
}

const BROWSER_ENCODINGS = 'gzip, deflate, br';

/** Requests per second by wrk with the headers a browser sends, or null without wrk. */
function wrkRate(url: string, headers: Record<string, string>): number | null {
  if (spawnSync('which', ['wrk']).status !== 0) return null;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${Math.max(2, Math.round(DURATION_S / 2))}s`];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const wrk = spawnSync('wrk', [...args, url], { encoding: 'utf8' });
  const match = wrk.stdout.match(/Requests\/sec:\s+([\d.]+)/);
  return match ? Math.round(Number(match[1])) : null;
}

/** nginx with `gzip_static` (the .gz beside the file), one worker: the static ceiling for browsers. */
async function startGzipStatic(html: string): Promise<Server | null> {
  if (spawnSync('which', ['nginx']).status !== 0) return null;
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-bench-gzip-static-'));
  await writeFile(path.join(dir, 'index.html'), html);
  await writeFile(path.join(dir, 'index.html.gz'), gzipSync(html, { level: 9 }));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; gzip_static on; gzip_vary on;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir}; location / { default_type text/html; try_files /index.html =404; } } }`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, child, () => 'nginx failed to start');
  return {
    name: 'nginx gzip_static',
    url,
    child,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Plain Node `http`, two processes, the same page's brotli bytes from memory: Node's own ceiling. */
async function startPlainNode(html: string): Promise<Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-bench-plain-'));
  const file = path.join(dir, 'page.br');
  await writeFile(file, brotliCompressSync(html));
  const port = await freePort();
  const program = `
const cluster = require('node:cluster');
if (cluster.isPrimary) { for (let i = 0; i < 2; i++) cluster.fork(); }
else {
  const body = require('node:fs').readFileSync(${JSON.stringify(file)});
  require('node:http').createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'br', vary: 'Accept-Encoding', 'content-length': body.length });
    res.end(body);
  }).listen(${port}, '127.0.0.1');
}`;
  // A file, not `node -e`: cluster workers run the primary's script again.
  const script = path.join(dir, 'server.cjs');
  await writeFile(script, program);
  const child = spawn(process.execPath, [script], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, child, () => 'plain Node server failed to start');
  return {
    name: 'plain Node',
    url,
    child,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface BrowserRow {
  key: string;
  label: string;
  wrkRps: number | null;
}

/**
 * What browsers send (`Accept-Encoding: gzip, deflate, br`), by wrk, interleaved: two server
 * processes (what `npm start` runs here) answering hits through Next's whole response path
 * (FAST_PATH=off) and through the fast path, for the homepage, a post page, the feed and a client
 * navigation's RSC request; beside plain Node and nginx `gzip_static` serving the same homepage.
 */
async function browserHits(bench: Bench) {
  const common = { STATS_PREFIX: statsPrefix, WEB_CONCURRENCY: '2' };
  const slow = await started(bench, 'two processes, fast path off', { ...common, FAST_PATH: 'off' });
  const fast = await started(bench, 'two processes, fast path on', { ...common, FAST_PATH: 'on' });
  const browser = { 'accept-encoding': BROWSER_ENCODINGS };
  const homeHtml = await (await fetch(`${fast.url}/`)).text();
  const gzipStatic = await startGzipStatic(homeHtml);
  if (gzipStatic) bench.servers.push(gzipStatic);
  const plain = await startPlainNode(homeHtml);
  bench.servers.push(plain);

  const postPath = `/posts/${bench.posts[0]!.slug}`;
  const rsc = { rsc: '1' };
  // Next redirects an RSC request without the router's hash to the address that carries it.
  const rscPath = (await fetch(`${fast.url}${postPath}`, { headers: rsc, redirect: 'manual' })).headers.get('location');
  const targets: { key: string; label: string; path: string; headers: Record<string, string> }[] = [
    { key: 'home', label: 'homepage', path: '/', headers: browser },
    { key: 'post', label: 'post page', path: postPath, headers: browser },
    { key: 'feed', label: '/feed.xml', path: '/feed.xml', headers: browser },
    ...(rscPath ? [{ key: 'rsc', label: 'RSC navigation', path: rscPath, headers: { ...browser, ...rsc } }] : []),
  ];
  const rows: (BrowserRow & { url: string; headers: Record<string, string> })[] = [];
  for (const target of targets) {
    rows.push({
      key: `${target.key}.next`,
      label: `Cached ${target.label}, browser headers, through Next (FAST_PATH=off)`,
      url: `${slow.url}${target.path}`,
      headers: target.headers,
      wrkRps: null,
    });
    rows.push({
      key: `${target.key}.fast`,
      label: `Cached ${target.label}, browser headers, fast path`,
      url: `${fast.url}${target.path}`,
      headers: target.headers,
      wrkRps: null,
    });
  }
  rows.push({
    key: 'home.plain',
    label: 'Same homepage, brotli bytes from memory, plain Node (2 processes)',
    url: `${plain.url}/`,
    headers: browser,
    wrkRps: null,
  });
  if (gzipStatic)
    rows.push({
      key: 'home.nginx',
      label: 'Same homepage, nginx gzip_static (1 worker)',
      url: `${gzipStatic.url}/`,
      headers: browser,
      wrkRps: null,
    });
  // Each answer is kept after Next has served it from the cache once, its encodings made off the request path.
  for (const row of rows) for (let i = 0; i < 3; i++) await fetch(row.url, { headers: row.headers });
  const samples = new Map<string, number[]>(rows.map((row) => [row.key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of rows) {
      const rate = wrkRate(row.url, row.headers);
      if (rate !== null) samples.get(row.key)!.push(rate);
      log(`round ${round}: ${row.label}: ${rate ?? '–'} req/s (wrk)`);
    }
  }
  const table: BrowserRow[] = rows.map(({ key, label }) => {
    const values = samples.get(key)!;
    return { key, label, wrkRps: values.length ? Math.round(median(values)) : null };
  });
  // The detail (the fast path's counts) is the admin's: anyone else is told only what is up.
  const health = (await (await fetchAfterIdle(`${fast.url}/api/health`, adminHeaders)).json()) as {
    fastPath: { served: number; checks: number; checkedRequests: number } | null;
  };
  return { table, fastPathReport: health.fastPath };
}

/** Requests a scanner or crawler makes up, 8 at a time: RSS of the server before and after. */
async function junkScan(server: Server, requests: number) {
  const before = await collectedMb(server);
  const shapes: ((id: string) => { path: string; headers?: Record<string, string> })[] = [
    (id: string) => ({ path: `/posts/${id}` }),
    (id: string) => ({ path: `/tags/${id}` }),
    (id: string) => ({ path: `/?utm_source=${id}` }),
    (id: string) => ({ path: `/page/${id}` }),
    (id: string) => ({ path: `/feed.xml?v=${id}`, headers: { 'accept-language': id, 'user-agent': `scanner/${id}` } }),
  ];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const { path: target, headers } = shapes[i % shapes.length]!(randomUUID());
      await (await fetch(`${server.url}${target}`, { headers, redirect: 'manual' })).arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const rawAfterMb = rssMb(server.child.pid);
  const after = await collectedMb(server);
  return {
    requests,
    beforeMb: before?.rss ?? null,
    rawAfterMb,
    afterMb: after?.rss ?? null,
    heapAfterMb: after?.heapUsed ?? null,
    growthMb: before && after ? after.rss - before.rss : null,
  };
}

/** Comments spread over every post while the homepage is under load: precise tags against one global tag. */
async function commentStorm(bench: Bench) {
  log('comment storm: precise tags against one global tag…');
  const { posts } = bench;
  const homepageIds = new Set(posts.slice(0, 10).map((p) => p.id));
  const stormPosts = [...posts.slice(0, 10), ...posts.slice(10, 200)];
  type Tally = { rebuilds: number; hits: number; requests: number; waited: number; warmed: number };
  const empty = (): Tally => ({ rebuilds: 0, hits: 0, requests: 0, waited: 0, warmed: 0 });
  const storm: Record<'precise' | 'global', Tally> = { precise: empty(), global: empty() };
  for (const strategy of ['precise', 'global'] as const) {
    const prefix = `${runId}_storm_${strategy}`;
    const app = await started(bench, `storm ${strategy}`, { STATS_PREFIX: prefix, INVALIDATION_STRATEGY: strategy });
    await fetch(`${app.url}/`);
    const loadDone = autocannon({ url: `${app.url}/`, connections: 8, duration: quick ? 8 : 20 });
    for (let i = 0; i < STORM_COMMENTS; i++) {
      // Spread over 200 posts: 10 of them on the homepage, as on a real blog.
      const post = stormPosts[i % stormPosts.length]!;
      await addComment(app.url, post.id, `${strategy}-${i}`);
    }
    await loadDone;
    // Why a reader would have waited: renders ahead that were late or not kept, or an apply that failed.
    const health = (await (await fetch(`${app.url}/api/health`, adminHeaders)).json()) as {
      renderedAhead?: unknown;
    };
    // An apply that failed, or Redis slower than PAGE_CACHE_TIMEOUT_MS, says so on the server's log.
    const cacheLines = (app.output?.() ?? '').split('\n').filter((line) => line.includes('[cache]'));
    log(
      `${strategy}: rendered ahead ${JSON.stringify(health.renderedAhead)}; ${cacheLines.length} [cache] lines` +
        cacheLines
          .slice(0, 3)
          .map((line) => `\n  ${line}`)
          .join(''),
    );
    await app.stop();
    bench.servers.splice(bench.servers.indexOf(app), 1);
    const report = await readStats(bench.stats.redis, prefix, '1h', Date.now(), '/');
    storm[strategy] = {
      rebuilds: report.totals.rebuilds,
      hits: report.totals.hit + report.totals.stale,
      requests: report.totals.requests,
      // Readers whose request was answered by a render (misses); warm-ups are not counted among them.
      waited: report.totals.miss,
      warmed: report.totals.warmed,
    };
    log(
      `${strategy}: homepage rebuilt ${report.totals.rebuilds} times for ${report.totals.requests} requests; ` +
        `${report.totals.miss} readers waited, ${report.totals.warmed} warm-ups`,
    );
  }
  const commentsOnHomepage = [...Array(STORM_COMMENTS).keys()].filter((i) =>
    homepageIds.has(stormPosts[i % stormPosts.length]!.id),
  ).length;
  const perRebuild = (s: { rebuilds: number; hits: number }) => (s.rebuilds ? Math.round(s.hits / s.rebuilds) : null);
  return {
    comments: STORM_COMMENTS,
    commentsOnHomepagePosts: commentsOnHomepage,
    precise: { ...storm.precise, hitsPerRebuild: perRebuild(storm.precise) },
    global: { ...storm.global, hitsPerRebuild: perRebuild(storm.global) },
  };
}

/**
 * The first GET of the homepage after a comment on a post it features: once the server counted the
 * homepage as warmed (the warm-up's render done), and right after the comment's response (racing
 * the warm-up). Its x-nextjs-cache value and latency.
 */
async function firstGetAfterComment(bench: Bench) {
  log('first GET after a comment on a featured post: once warmed, and at once…');
  const prefix = `${runId}_warm`;
  const app = await started(bench, 'warm', { STATS_PREFIX: prefix });
  const warmedCount = async () => (await readStats(bench.stats.redis, prefix, '1h', Date.now(), '/')).totals.warmed;
  const samples: Record<'warmed' | 'atOnce', { cache: string; ms: number }[]> = { warmed: [], atOnce: [] };
  try {
    for (let i = 0; i < WARM_SAMPLES * 2; i++) {
      const post = bench.posts[i % 10]!;
      // Read a few times, so the page is cached and in the index of pages read lately.
      for (let n = 0; n < 3; n++) await (await fetch(`${app.url}/`)).text();
      const waitForWarm = i % 2 === 0;
      const before = await warmedCount();
      await addComment(app.url, post.id, `warm-${i}`);
      if (waitForWarm) {
        const deadline = Date.now() + 15_000;
        // The count is written every second: polled, as a dashboard would see it.
        while ((await warmedCount()) === before && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const t0 = performance.now();
      const response = await fetch(`${app.url}/`);
      await response.text();
      samples[waitForWarm ? 'warmed' : 'atOnce'].push({
        cache: response.headers.get('x-nextjs-cache') ?? '–',
        ms: performance.now() - t0,
      });
      // Let this sample's warm-up finish before the next comment.
      const deadline = Date.now() + 15_000;
      while (!waitForWarm && (await warmedCount()) === before && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await app.stop();
    bench.servers.splice(bench.servers.indexOf(app), 1);
  }
  const summary = (list: { cache: string; ms: number }[]) => ({
    samples: list.length,
    hits: list.filter((s) => s.cache === 'HIT').length,
    caches: [...new Set(list.map((s) => s.cache))].join('/'),
    p50Ms: Math.round(median(list.map((s) => s.ms)) * 10) / 10,
  });
  const result = { warmed: summary(samples.warmed), atOnce: summary(samples.atOnce) };
  log(
    `once warmed: ${result.warmed.hits}/${result.warmed.samples} HIT, p50 ${result.warmed.p50Ms} ms; ` +
      `at once: ${result.atOnce.hits}/${result.atOnce.samples} HIT, p50 ${result.atOnce.p50Ms} ms`,
  );
  return result;
}

/** From the response to a comment to the first GET that shows it, on the post and the homepage. */
async function freshness(
  samples: number,
  prefix: string,
  reader: (i: number) => string,
  write: (post: { id: number; slug: string }, token: string, i: number) => Promise<void>,
  bench: Bench,
  before?: (post: { slug: string }) => Promise<void>,
): Promise<Latencies> {
  const out: Latencies = { post: [], home: [] };
  for (let i = 0; i < samples; i++) {
    const post = bench.posts[i % 10]!;
    const token = `${prefix}-${i}-${Date.now().toString(36)}`;
    await before?.(post);
    const took = await timeUntilVisible(reader(i), post.slug, token, () => write(post, token, i));
    out.post.push(took.post);
    out.home.push(took.home);
  }
  return out;
}

/** The dashboard's server time over 90 days of hourly statistics for STATS_PAGES pages. */
async function dashboardAtScale(bench: Bench) {
  log(`dashboard: seeding 90 days of hourly statistics for ${STATS_PAGES} pages…`);
  await seedStatsHistory({ redis: bench.stats.redis, prefix: bigPrefix, pages: STATS_PAGES, days: 90, log: () => {} });
  const dashboard = await started(bench, 'dashboard', { STATS_PREFIX: bigPrefix, STATS_RECORDING: 'off' });
  const times: Record<string, { apiServerMs: number; pageMs: number }> = {};
  for (const range of ['24h', '90d'] as const) {
    const server: number[] = [];
    const page: number[] = [];
    for (let i = 0; i < 7; i++) {
      const report = (await (await fetch(`${dashboard.url}/api/stats?range=${range}`)).json()) as { serverMs: number };
      server.push(report.serverMs);
      const t0 = performance.now();
      await (await fetch(`${dashboard.url}/stats?range=${range}`)).text();
      page.push(performance.now() - t0);
    }
    times[range] = { apiServerMs: median(server.slice(2)), pageMs: Math.round(median(page.slice(2)) * 10) / 10 };
  }
  return times;
}

const markerOf = (html: string) => /<meta name="x-generated-at" content="([^"]+)"/.exec(html)?.[1] ?? null;

async function timedGet(url: string, headers: Record<string, string> = {}) {
  const t0 = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.text();
  return {
    ms: Math.round((performance.now() - t0) * 10) / 10,
    status: response.status,
    cache: response.headers.get('x-nextjs-cache'),
    bytes: Buffer.byteLength(body),
    body,
  };
}

/**
 * The site at SCALE_POSTS more posts (db/grow.ts, what `npm run db:grow` runs), on a database of its
 * own, built for it: build time, the start that announces the import, first and cached renders of
 * each kind of page, the sitemap, a second import of as many posts announced while two servers
 * serve (until both serve from the cache again), the dashboard after it, and memory. Runs last: its
 * build replaces the one the other scenarios used.
 */
async function atScale(bench: Bench) {
  const name = `${runId}_scale`;
  await adminSql((sql) => sql.unsafe(`create database "${name}"`));
  const url = databaseUrl(name);
  await migrateDatabase(url);
  await seedDatabase(url, () => {});
  log(`at scale: importing ${SCALE_POSTS} posts with 2 tags and 5 comments each…`);
  const grown = await growDatabase(url, { posts: SCALE_POSTS, commentsPerPost: 5 }, () => {});
  const sql = postgres(url, { max: 1 });
  const [archive] = await sql<{ slug: string }[]>`select slug from posts where id = ${grown.lastId}`;
  const [tag] = await sql<{ name: string; n: number }[]>`
    select t.name, count(*)::int as n from tags t join post_tags pt on pt.tag_id = t.id
    group by t.name order by n desc limit 1`;
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from posts where status = 'published'`;
  const total = counted!.total;
  await sql.end();

  log('at scale: building…');
  const buildStart = performance.now();
  const built = await build(
    { ...process.env, DATABASE_URL: url, NEXT_TELEMETRY_DISABLED: '1', ADMIN_TOKEN: adminToken },
    'pipe',
  );
  if (built.code !== 0) throw new Error(`build failed:\n${built.output}`);
  const buildSeconds = Math.round((performance.now() - buildStart) / 100) / 10;

  const env = { ...bench.common, DATABASE_URL: url, STATS_PREFIX: `${runId}_scale` };
  log('at scale: starting (the start announces the import)…');
  let t0 = performance.now();
  const first = await started(bench, 'scale', { ...env, ...gcProbe });
  const startMs = Math.round(performance.now() - t0);
  const health = (await (await fetch(`${first.url}/api/health`, adminHeaders)).json()) as {
    invalidationBacklog: number | null;
  };

  const paths: Record<string, string> = {
    home: '/',
    post: `/posts/${archive!.slug}`,
    tag: `/tags/${encodeURIComponent(tag!.name)}`,
    deep: `/page/${Math.floor(total / 20)}`,
  };
  const pages: Record<
    string,
    { firstMs: number; firstCache: string | null; cachedP50Ms: number; cache: string | null }
  > = {};
  for (const [key, path] of Object.entries(paths)) {
    const firstGet = await timedGet(`${first.url}${path}`);
    const cached: number[] = [];
    let cache: string | null = null;
    for (let i = 0; i < 20; i++) {
      const again = await timedGet(`${first.url}${path}`, { 'accept-encoding': BROWSER_ENCODINGS });
      cached.push(again.ms);
      cache = again.cache;
    }
    pages[key] = { firstMs: firstGet.ms, firstCache: firstGet.cache, cachedP50Ms: median(cached), cache };
  }

  const index = await timedGet(`${first.url}/sitemap.xml`);
  const files = [...index.body.matchAll(/<sitemap>\s*<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
  const firstFile = files[0] ? await timedGet(`${first.url}${new URL(files[0]).pathname}`) : null;
  const sitemap = {
    indexMs: index.ms,
    indexBytes: index.bytes,
    files: files.length,
    fileMs: firstFile?.ms ?? null,
    fileBytes: firstFile?.bytes ?? null,
    fileUrls: firstFile ? (firstFile.body.match(/<url>/g) ?? []).length : null,
  };

  log(`at scale: a second import of ${SCALE_POSTS} posts while two servers serve…`);
  const second = await started(bench, 'scale second', env);
  const servers = [first, second];
  const before = new Map<Server, string | null>();
  for (const server of servers) {
    await fetch(`${server.url}/`);
    before.set(server, markerOf(await (await fetch(`${server.url}/`)).text()));
  }
  await growDatabase(url, { posts: SCALE_POSTS, commentsPerPost: 5 }, () => {});
  t0 = performance.now();
  // Announced by the next look-up of a server's publication timer (every 30 s); then every server
  // must serve the homepage from the cache again, rendered after the announcement.
  const again = new Map<Server, number>();
  const deadline = Date.now() + 120_000;
  while (again.size < servers.length && Date.now() < deadline) {
    for (const server of servers) {
      if (again.has(server)) continue;
      const got = await timedGet(`${server.url}/`);
      if (got.cache === 'HIT' && markerOf(got.body) !== before.get(server))
        again.set(server, Math.round(performance.now() - t0));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const report = (await (await fetch(`${first.url}/api/stats?range=24h`)).json()) as {
    invalidations: { at: string; event: { bulkTags?: number } }[];
  };
  const announced = report.invalidations.find((entry) => entry.event.bulkTags !== undefined);
  const importedAt = Date.now() - (performance.now() - t0);
  const bulk = {
    tags: announced?.event.bulkTags ?? null,
    announcedAfterMs: announced ? Math.max(0, Math.round(Date.parse(announced.at) - importedAt)) : null,
    cachedAgainMs: servers.map((server) => again.get(server) ?? null),
  };
  const api = await timedGet(`${first.url}/api/stats?range=24h`);
  const dashboard = await timedGet(`${first.url}/stats?range=24h`);
  const memory = await collectedMb(first);
  for (const server of servers) {
    await server.stop();
    bench.servers.splice(bench.servers.indexOf(server), 1);
  }
  await adminSql((s) => s.unsafe(`drop database if exists "${name}" with (force)`)).catch(() => {});
  const result = {
    posts: total,
    buildSeconds,
    startMs,
    backlogAfterStart: health.invalidationBacklog,
    pages,
    sitemap,
    bulk,
    statsApi: { ms: api.ms, bytes: api.bytes },
    statsPage: { ms: dashboard.ms, bytes: dashboard.bytes },
    rssMb: memory?.rss ?? null,
  };
  log(`at scale: ${JSON.stringify(result)}`);
  return result;
}

async function writeResults(results: Results): Promise<void> {
  const md = renderMarkdown(results);
  console.log(`\n${md}`);
  await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
  const stamp = results.date.slice(0, 19).replace(/[:T]/g, '-');
  const name = `${stamp}${quick ? '-quick' : ''}`;
  await writeFile(path.join(root, 'bench', 'results', `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(root, 'bench', 'results', `${name}.md`), md);
  log(`wrote bench/results/${name}.json and .md`);
}

const statsPrefix = `${runId}_stats`;
const bigPrefix = `${runId}_big`;

async function main() {
  const startedAt = Date.now();
  log(`${quick ? 'quick' : 'full'} run: ${ROUNDS} round(s) of ${DURATION_S} s per row, ${CONNECTIONS} connections`);
  const dbName = runId;
  await adminSql((sql) => sql.unsafe(`create database "${dbName}"`));
  const dbUrl = databaseUrl(dbName);
  const bench: Bench = {
    dbUrl,
    posts: [],
    firstTag: '',
    common: { DATABASE_URL: dbUrl, NEXT_TELEMETRY_DISABLED: '1', UNCACHED_BASELINE: 'on' },
    servers: [],
    stats: createUpstashRedis({ redisUrl }),
    varnish: null,
  };
  try {
    Object.assign(bench, await prepare(dbUrl));
    const { table, statsOn, second } = await throughput(bench);
    const rps = (key: string) => table.find((row) => row.key === key)!.rps;
    // wrk where installed: with two server processes autocannon, on the same two cores, is the limit.
    const wrkOr = (key: string) => {
      const row = table.find((r) => r.key === key)!;
      return row.wrkRps ?? row.rps;
    };
    const browsers = await browserHits(bench);
    const browserRate = (key: string) => browsers.table.find((row) => row.key === key)?.wrkRps ?? null;
    const storm = await commentStorm(bench);
    const warmed = await firstGetAfterComment(bench);

    log('freshness: from the response to a comment to the first GET that shows it…');
    const local = await freshness(
      FRESHNESS_SAMPLES,
      'fresh',
      () => statsOn.url,
      (post, token) => postCommentThroughForm(statsOn.url, post.slug, token),
      bench,
    );
    log('freshness across servers: a comment through one, then GETs through the other until it shows…');
    const pair = (i: number) => (i % 2 ? [second, statsOn] : [statsOn, second]) as [Server, Server];
    const cross = await freshness(
      FRESHNESS_SAMPLES,
      'cross',
      (i) => pair(i)[1].url,
      (post, token, i) => addComment(pair(i)[0].url, post.id, token),
      bench,
    );
    const { varnish } = bench;
    let edge: Latencies | null = null;
    if (varnish) {
      log(
        'freshness through Varnish: a comment through Varnish (the form, no JavaScript), then GETs through Varnish until it shows…',
      );
      edge = await freshness(
        FRESHNESS_SAMPLES,
        'edge',
        () => varnish.base,
        (post, token) => postCommentThroughForm(varnish.base, post.slug, token),
        bench,
        async (post) => {
          // Both pages in Varnish first, so the purge, not a first fetch, is what is measured.
          await fetch(`${varnish.base}/posts/${post.slug}`);
          await fetch(`${varnish.base}/`);
        },
      );
    }
    const dashboard = await dashboardAtScale(bench);
    const rawFinalRss = rssMb(statsOn.child.pid);
    const collected = await collectedMb(statsOn);
    const finalRss = collected?.rss ?? null;
    const finalHeap = collected?.heapUsed ?? null;
    log('a scan of 6,000 made-up addresses, query strings and header values…');
    const junk = await junkScan(statsOn, 6000);
    const scale = await atScale(bench);

    const med = (values: number[]) => Math.round(median(values));
    const targets = [
      {
        name: 'stats on ≥ 0.95 × stats off (wrk)',
        value: ratio(wrkOr('cached'), wrkOr('statsOff')),
        pass: wrkOr('cached') >= 0.95 * wrkOr('statsOff'),
      },
      {
        name: 'shared Redis cache ≥ 0.9 × file cache (one process, wrk)',
        value: ratio(wrkOr('cached'), wrkOr('local')),
        pass: wrkOr('cached') >= 0.9 * wrkOr('local'),
      },
      {
        name: '2 server processes ≥ 1.4 × 1 (wrk)',
        value: ratio(wrkOr('twoProcesses'), wrkOr('cached')),
        pass: wrkOr('twoProcesses') >= 1.4 * wrkOr('cached'),
      },
      {
        name: 'cached homepage ≥ 7 × dynamic',
        value: ratio(rps('cached'), rps('dynamic')),
        pass: rps('cached') >= 7 * rps('dynamic'),
      },
      {
        name: 'storm: homepage rebuilds ≤ 1/10 of the global strategy',
        value: ratio(storm.precise.rebuilds, storm.global.rebuilds),
        pass: storm.precise.rebuilds * 10 <= storm.global.rebuilds,
      },
      {
        name: 'storm: 0 readers waited for the homepage (precise tags, warming on)',
        value: storm.precise.waited,
        pass: storm.precise.waited === 0,
      },
      {
        name: 'first GET after a comment on a featured post, once warmed: HIT',
        value: warmed.warmed.hits,
        pass: warmed.warmed.hits === warmed.warmed.samples,
      },
      { name: 'freshness p50 ≤ 150 ms (post page)', value: med(local.post), pass: median(local.post) <= 150 },
      { name: 'freshness p50 ≤ 150 ms (homepage)', value: med(local.home), pass: median(local.home) <= 150 },
      {
        name: 'freshness across servers p50 ≤ 50 ms (post page)',
        value: med(cross.post),
        pass: median(cross.post) <= 50,
      },
      {
        name: 'freshness across servers p50 ≤ 50 ms (homepage)',
        value: med(cross.home),
        pass: median(cross.home) <= 50,
      },
      ...(edge
        ? [
            { name: 'through Varnish ≥ 10,000 req/s (wrk)', value: wrkOr('varnish'), pass: wrkOr('varnish') >= 10_000 },
            {
              name: 'through Varnish ≥ 0.2 × nginx (wrk)',
              value: ratio(wrkOr('varnish'), wrkOr('static')),
              pass: wrkOr('varnish') >= 0.2 * wrkOr('static'),
            },
            {
              name: 'freshness through Varnish p50 ≤ 150 ms (post page)',
              value: med(edge.post),
              pass: median(edge.post) <= 150,
            },
            {
              name: 'freshness through Varnish p50 ≤ 150 ms (homepage)',
              value: med(edge.home),
              pass: median(edge.home) <= 150,
            },
          ]
        : []),
      {
        name: 'browser-header homepage, fast path ≥ 20,000 req/s (wrk)',
        value: browserRate('home.fast'),
        pass: (browserRate('home.fast') ?? 0) >= 20_000,
      },
      {
        name: 'browser-header homepage, fast path ≥ 0.25 × nginx gzip_static (wrk)',
        value: ratio(browserRate('home.fast') ?? 0, browserRate('home.nginx') ?? 0),
        pass: (browserRate('home.fast') ?? 0) >= 0.25 * (browserRate('home.nginx') ?? Infinity),
      },
      {
        name: 'server RSS ≤ 250 MB after the run (after a full collection)',
        value: finalRss,
        pass: finalRss !== null && finalRss <= 250,
      },
      {
        name: 'RSS growth over 6,000 made-up requests ≤ 60 MB (after a full collection)',
        value: junk.growthMb,
        pass: junk.growthMb !== null && junk.growthMb <= 60,
      },
      { name: '/stats ≤ 200 ms at 90 days', value: dashboard['90d']!.pageMs, pass: dashboard['90d']!.pageMs <= 200 },
      {
        name: `at ${scale.posts} posts: every server serves the homepage from the cache again ≤ 60 s after an import (its announcement waits up to 30 s)`,
        value: Math.max(...scale.bulk.cachedAgainMs.map((ms) => ms ?? Infinity)),
        pass: scale.bulk.cachedAgainMs.every((ms) => ms !== null && ms <= 60_000),
      },
      {
        name: `at ${scale.posts} posts: /api/stats ≤ 1 MB after the imports (bytes)`,
        value: scale.statsApi.bytes,
        pass: scale.statsApi.bytes <= 1_000_000,
      },
      {
        name: `at ${scale.posts} posts: /stats ≤ 2 MB after the imports (bytes)`,
        value: scale.statsPage.bytes,
        pass: scale.statsPage.bytes <= 2_000_000,
      },
      {
        name: `at ${scale.posts} posts: cached homepage p50 ≤ 10 ms`,
        value: scale.pages.home!.cachedP50Ms,
        pass: scale.pages.home!.cachedP50Ms <= 10,
      },
    ];

    await writeResults({
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      settings: { rounds: ROUNDS, durationSeconds: DURATION_S, connections: CONNECTIONS },
      rows: table,
      browsers: { ...browsers, fastVsNext: ratio(browserRate('home.fast') ?? 0, browserRate('home.next') ?? 0) },
      ratios: {
        // wrk: with the fast path a hit costs less than autocannon can send.
        statsOnVsOff: ratio(wrkOr('cached'), wrkOr('statsOff')),
        cachedVsDynamic: ratio(rps('cached'), rps('dynamic')),
        cachedVsStatic: ratio(wrkOr('cached'), wrkOr('static')),
        sharedVsLocalCache: ratio(wrkOr('cached'), wrkOr('local')),
        twoProcessesVsOne: ratio(wrkOr('twoProcesses'), wrkOr('cached')),
        varnishVsNode: varnish ? ratio(wrkOr('varnish'), wrkOr('cached')) : null,
        varnishVsStatic: varnish ? ratio(wrkOr('varnish'), wrkOr('static')) : null,
      },
      storm,
      warmed,
      freshnessMs: {
        post: p50p99(local.post),
        homepage: p50p99(local.home),
        samples: FRESHNESS_SAMPLES,
        acrossServers: { post: p50p99(cross.post), homepage: p50p99(cross.home) },
        throughVarnish: edge ? { post: p50p99(edge.post), homepage: p50p99(edge.home) } : null,
      },
      dashboard,
      statsPages: STATS_PAGES,
      finalRssMb: finalRss,
      rawFinalRssMb: rawFinalRss,
      junkScan: junk,
      finalHeapUsedMb: finalHeap,
      scale,
      targets,
      seconds: Math.round((Date.now() - startedAt) / 1000),
    });
  } finally {
    await bench.varnish?.remove().catch(() => {});
    for (const server of bench.servers.reverse()) await server.stop().catch(() => {});
    const cleaner = createUpstashRedis({ redisUrl });
    for (const prefix of [
      statsPrefix,
      bigPrefix,
      `${runId}_edge`,
      `${runId}_local`,
      `${runId}_storm_precise`,
      `${runId}_storm_global`,
      `${runId}_warm`,
    ]) {
      await deletePrefix(cleaner.redis, prefix);
    }
    await cleaner.close();
    await bench.stats.close();
    await adminSql((sql) => sql.unsafe(`drop database if exists "${dbName}" with (force)`)).catch(() => {});
  }
}

async function deletePrefix(redis: ReturnType<typeof createUpstashRedis>['redis'], prefix: string): Promise<void> {
  // Keys are hash-tagged ({prefix}…, lib/core/redis-keys.ts); the plain form covers older ones.
  for (const match of [`${prefix}:*`, `${slotPrefix(prefix)}*`, `{${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, { match, count: 1000 });
      cursor = String(next);
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}

type Results = {
  date: string;
  mode: string;
  machine: { cpus: number; node: string };
  seconds: number;
  rows: {
    label: string;
    rps: number;
    p50: number;
    p99: number;
    errors: number;
    wrkRps: number | null;
    rssMb: number | null;
  }[];
  browsers: {
    table: BrowserRow[];
    fastVsNext: number | null;
    fastPathReport: { served: number; checks: number; checkedRequests: number } | null;
  };
  ratios: Record<string, number | null>;
  storm: {
    comments: number;
    commentsOnHomepagePosts: number;
    precise: { rebuilds: number; requests: number; waited: number; warmed: number; hitsPerRebuild: number | null };
    global: { rebuilds: number; requests: number; waited: number; warmed: number; hitsPerRebuild: number | null };
  };
  warmed: Record<'warmed' | 'atOnce', { samples: number; hits: number; caches: string; p50Ms: number }>;
  freshnessMs: {
    post: { p50: number; p99: number };
    homepage: { p50: number; p99: number };
    samples: number;
    acrossServers: { post: { p50: number; p99: number }; homepage: { p50: number; p99: number } };
    throughVarnish: { post: { p50: number; p99: number }; homepage: { p50: number; p99: number } } | null;
  };
  dashboard: Record<string, { apiServerMs: number; pageMs: number }>;
  statsPages: number;
  finalRssMb: number | null;
  rawFinalRssMb: number | null;
  finalHeapUsedMb: number | null;
  junkScan: Awaited<ReturnType<typeof junkScan>>;
  scale: Awaited<ReturnType<typeof atScale>>;
  targets: { name: string; value: number | null; pass: boolean }[];
  settings: { rounds: number; durationSeconds: number; connections: number };
};

function renderMarkdown(r: Results): string {
  const lines = [
    `### Benchmark ${r.date.slice(0, 10)} (${r.mode}; ${r.settings.rounds} round(s) × ${r.settings.durationSeconds} s, ${r.settings.connections} connections, medians)`,
    '',
    '| row | req/s (autocannon) | req/s (wrk) | p50 ms | p99 ms | errors | server RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (row) =>
        `| ${row.label} | ${row.rps} | ${row.wrkRps ?? '–'} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.rssMb ?? '–'} |`,
    ),
    '',
    `With the headers browsers send (\`Accept-Encoding: ${BROWSER_ENCODINGS}\`), wrk, two server processes:`,
    '',
    '| row | req/s (wrk) |',
    '|---|---:|',
    ...r.browsers.table.map((row) => `| ${row.label} | ${row.wrkRps ?? '–'} |`),
    '',
    `Fast path / through Next (homepage): ${r.browsers.fastVsNext ?? '–'}.` +
      (r.browsers.fastPathReport
        ? ` The fast path's freshness checks: ${r.browsers.fastPathReport.checks} round trips to Redis for ${r.browsers.fastPathReport.checkedRequests} requests.`
        : ''),
    '',
    `Ratios (wrk): stats on / off ${r.ratios.statsOnVsOff}; shared Redis cache / Next's file cache ${r.ratios.sharedVsLocalCache}; 2 server processes / 1 (wrk) ${r.ratios.twoProcessesVsOne}; cached / per-request render ${r.ratios.cachedVsDynamic}; cached / static file (wrk) ${r.ratios.cachedVsStatic}.`,
    '',
    `Comment storm (${r.storm.comments} comments spread over every published post, ${r.storm.commentsOnHomepagePosts} on homepage posts, homepage under load): ` +
      `precise tags ${r.storm.precise.rebuilds} homepage rebuilds (1 per ${r.storm.precise.hitsPerRebuild ?? '–'} hits), ` +
      `one global tag ${r.storm.global.rebuilds} (1 per ${r.storm.global.hitsPerRebuild ?? '–'} hits). ` +
      `Readers who waited for the homepage (misses): precise ${r.storm.precise.waited} (${r.storm.precise.warmed} warm-ups), ` +
      `global ${r.storm.global.waited} (${r.storm.global.warmed} warm-ups).`,
    '',
    `First GET of the homepage after a comment on a post it features: once the warm-up was counted, ` +
      `${r.warmed.warmed.hits} of ${r.warmed.warmed.samples} \`x-nextjs-cache: HIT\` (${r.warmed.warmed.caches}), p50 ${r.warmed.warmed.p50Ms} ms; ` +
      `right after the comment's response, ${r.warmed.atOnce.hits} of ${r.warmed.atOnce.samples} HIT (${r.warmed.atOnce.caches}), p50 ${r.warmed.atOnce.p50Ms} ms.`,
    '',
    `Freshness over ${r.freshnessMs.samples} comments (response → first GET showing it): post page p50 ${r.freshnessMs.post.p50} ms, p99 ${r.freshnessMs.post.p99} ms; homepage p50 ${r.freshnessMs.homepage.p50} ms, p99 ${r.freshnessMs.homepage.p99} ms.`,
    '',
    `Freshness across two servers sharing the cache (comment through one, first GET through the other showing it): post page p50 ${r.freshnessMs.acrossServers.post.p50} ms, p99 ${r.freshnessMs.acrossServers.post.p99} ms; homepage p50 ${r.freshnessMs.acrossServers.homepage.p50} ms, p99 ${r.freshnessMs.acrossServers.homepage.p99} ms.`,
    '',
    ...(r.freshnessMs.throughVarnish
      ? [
          `Through Varnish (EDGE=varnish; comment through Varnish with the form, first GET through Varnish showing it): post page p50 ${r.freshnessMs.throughVarnish.post.p50} ms, p99 ${r.freshnessMs.throughVarnish.post.p99} ms; homepage p50 ${r.freshnessMs.throughVarnish.homepage.p50} ms, p99 ${r.freshnessMs.throughVarnish.homepage.p99} ms. Varnish / Node (wrk) ${r.ratios.varnishVsNode}; Varnish / nginx (wrk) ${r.ratios.varnishVsStatic}.`,
          '',
        ]
      : []),
    `Dashboard with 90 days × ${r.statsPages} pages: ${Object.entries(r.dashboard)
      .map(([range, t]) => `${range}: report ${t.apiServerMs} ms server time, /stats page ${t.pageMs} ms`)
      .join('; ')}.`,
    '',
    `Server memory after the run (stats on), after a full collection: RSS ${r.finalRssMb ?? '–'} MB, JavaScript heap in use ${r.finalHeapUsedMb ?? '–'} MB (RSS as read before it: ${r.rawFinalRssMb ?? '–'} MB). After ${r.junkScan.requests} more requests for made-up addresses, query strings and header values, and a full collection: RSS ${r.junkScan.afterMb ?? '–'} MB (${r.junkScan.growthMb ?? '–'} MB more), heap ${r.junkScan.heapAfterMb ?? '–'} MB (RSS as read before it: ${r.junkScan.rawAfterMb ?? '–'} MB).`,
    '',
    `At ${r.scale.posts} published posts (db/grow.ts; 5 comments each): \`next build\` ${r.scale.buildSeconds} s; the start that announced the import ${r.scale.startMs} ms (outbox left: ${r.scale.backlogAfterStart ?? '–'}).`,
    '',
    '| page | first GET ms | x-nextjs-cache | cached GET p50 ms (browser headers) |',
    '|---|---:|---|---:|',
    ...Object.entries(r.scale.pages).map(
      ([key, p]) => `| ${key} | ${p.firstMs} | ${p.firstCache ?? '–'} | ${p.cachedP50Ms} (${p.cache ?? '–'}) |`,
    ),
    '',
    `Sitemap: index ${r.scale.sitemap.indexMs} ms, ${r.scale.sitemap.indexBytes} bytes, ${r.scale.sitemap.files} files; first file ${r.scale.sitemap.fileMs ?? '–'} ms, ${r.scale.sitemap.fileBytes ?? '–'} bytes, ${r.scale.sitemap.fileUrls ?? '–'} URLs. ` +
      `A second import of as many posts while two servers serve: announced as ${r.scale.bulk.tags ?? '–'} tags (one site-wide invalidation) ${r.scale.bulk.announcedAfterMs ?? '–'} ms after it committed; each server served the homepage from the cache again after ${r.scale.bulk.cachedAgainMs.map((ms) => ms ?? '–').join(' and ')} ms. ` +
      `Then /api/stats ${r.scale.statsApi.bytes} bytes in ${r.scale.statsApi.ms} ms, /stats ${r.scale.statsPage.bytes} bytes in ${r.scale.statsPage.ms} ms; server RSS after a full collection ${r.scale.rssMb ?? '–'} MB.`,
    '',
    '| target | measured | result |',
    '|---|---:|---|',
    ...r.targets.map((t) => `| ${t.name} | ${t.value ?? '–'} | ${t.pass ? 'PASS' : 'FAIL'} |`),
    '',
  ];
  return lines.join('\n');
}

await main();
