import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import compression from 'compression';
import next from 'next';
import { closeDatabase } from '@/db/client';
import { CLIENT_HEADER, clientAddress, trustedProxies } from '@/lib/core/client-address';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { closeSharedUpstashRedis } from '@/lib/core/upstash-redis';
import { edgePurger, purgeEdgeForNewBuild } from '@/lib/edge/edge-purge';
import { applyEdgeCacheControl } from '@/lib/edge/headers';
import { startInvalidationSweep } from '@/lib/invalidation/sweep';
import { actionBodyLimitBytes } from '@/lib/media/limits';
import { FreshnessChecks } from '@/lib/page-cache/freshness';
import { adoptRecordedNextConfig, NEXT_HEADERS } from '@/lib/page-cache/next-internals';
import { pageCacheRuntime } from '@/lib/page-cache/runtime';
import { fastPathReport } from '@/lib/page-cache/served-entry';
import { startPageCache, type PageCacheSetting } from '@/lib/page-cache/setup';
import { AHEAD_HEADER, withAheadToken } from '@/lib/page-cache/render-ahead';
import { readIndex, startWarming, WARM_HEADER } from '@/lib/page-cache/warming';
import { createMailer } from '@/lib/mail/sender';
import { startPublicationTimer } from '@/lib/posts/scheduled-publication';
import { applyScriptPolicy, setSecurityHeaders } from '@/server/security-headers';
import { pagePathOf } from '@/lib/stats/keys';
import { getRecorder, recordingEnabled } from '@/lib/stats/runtime';
import type { RequestOutcome } from '@/lib/stats/types';
import { planProcesses, runPrimary } from './cluster';
import { FastPath } from './fast-path';
import { offerSetup } from '@/lib/accounts/links';
import { refuseBeforeNext, rewriteFailures } from './guards';

/*
 * The production server: Next's request handler behind a plain Node HTTP server, so each answered
 * request can be counted from the `x-nextjs-cache` header Next sets (HIT, STALE, MISS). This is the
 * one place that sees every request: Next serves concurrent requests for the same page from one
 * cache read, and a proxy.ts costs half the cached-page throughput. Counting is a Map update after
 * the response has finished; the request never waits for it. Built to .freshpress/server.mjs.
 */

// REVALIDATED: an on-demand render, which only this server asks of itself (a render ahead).
const OUTCOMES: Record<string, RequestOutcome> = { HIT: 'hit', STALE: 'stale', MISS: 'miss', REVALIDATED: 'miss' };

export async function startServer(options: {
  port: number;
  hostname?: string;
  dir?: string;
  pageCache?: PageCacheSetting;
}) {
  const dir = options.dir ?? process.cwd();
  adoptRecordedNextConfig(dir, config.FRESHPRESS_DIST_DIR, actionBodyLimitBytes);
  // Before Next serves anything: the cache must know every invalidation made before this start.
  const distDir = path.resolve(dir, config.FRESHPRESS_DIST_DIR);
  const pageCache = await startPageCache({ distDir, mode: options.pageCache });
  const sweep = await startInvalidationSweep(pageCache.runtime);
  await purgeEdgeForNewBuild(distDir, pageCache.runtime.buildId);
  // After the cache has caught up, so what came due while no server ran is announced to it at once.
  const publications = await startPublicationTimer(pageCache.runtime);
  // Requests only queue mail; this loop sends it (and the owner's moderation notices).
  const mailer = createMailer();
  const edge = { edge: config.EDGE, maxAge: config.EDGE_MAX_AGE };
  const app = next({ dev: false, dir, hostname: options.hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const counting = recordingEnabled();
  const recorder = counting ? getRecorder() : null;
  const warming = config.WARM_WINDOW > 0;
  const reads = readIndex();

  // Cached 404s are one page for the statistics: a scan of made-up URLs must not add thousands of rows.
  const count = (req: IncomingMessage, status: number, outcome: RequestOutcome) =>
    recorder?.recordRequest(status === 404 ? '(not found)' : pagePathOf(req.url ?? '/'), outcome);
  const countWhenDone = (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      const header = res.getHeader(NEXT_HEADERS.cacheState);
      const outcome = typeof header === 'string' ? OUTCOMES[header] : undefined;
      if (!outcome) return;
      // A warm-up is no reader: counted as a page warmed when it rendered, and not as a read.
      if (req.headers[WARM_HEADER] !== undefined) {
        if (outcome === 'miss') count(req, res.statusCode, 'warmed');
        return;
      }
      count(req, res.statusCode, outcome);
      if (warming && res.statusCode < 400) reads.noteRead(pagePathOf(req.url ?? '/'));
    });
  };
  const fastPath =
    config.FAST_PATH === 'on'
      ? new FastPath({
          memoryBytes: config.FAST_PATH_MEMORY_MB * 1024 * 1024,
          freshness: new FreshnessChecks(pageCacheRuntime),
          count: (req, status) => {
            count(req, status, 'hit');
            if (warming) reads.noteRead(pagePathOf(req.url ?? '/'));
          },
          // A warm-up must render: Next's answer is what refills the cache and the edge.
          bypass: (req) => req.headers[WARM_HEADER] !== undefined || req.headers[AHEAD_HEADER] !== undefined,
        })
      : null;
  if (fastPath) fastPathReport.set(() => fastPath.report());

  // Next's own compression is off (next.config.ts): it would compress before the security headers
  // could see the page. Applied here first, so the page passes through them on its way in.
  const compress = compression();
  const proxies = trustedProxies(config.TRUST_PROXY);
  const server = createServer((req, res) => {
    // A kept answer already carries every header below (server/fast-path.ts): the fast path goes first.
    const toNext = (capture: () => void) => {
      setSecurityHeaders(res);
      if (refuseBeforeNext(req, res)) return;
      req.headers[CLIENT_HEADER] = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], proxies);
      rewriteFailures(req, res);
      applyEdgeCacheControl(res, edge);
      if ((recorder || warming) && (req.method === 'GET' || req.method === 'HEAD')) countWhenDone(req, res);
      compress(req as Parameters<typeof compress>[0], res as Parameters<typeof compress>[1], () => {
        applyScriptPolicy(res);
        capture();
        const ahead = req.headers[AHEAD_HEADER];
        if (typeof ahead === 'string') void withAheadToken(ahead, res, () => handle(req, res));
        else void handle(req, res);
      });
    };
    if (fastPath) fastPath.handle(req, res, toNext);
    else toNext(() => undefined);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(options.port, options.hostname, resolve));
  const warmUps = startWarming(pageCache.runtime, `http://${ownHost(options.hostname)}:${options.port}`);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A browser holding a keep-alive connection open would otherwise delay shutdown for good.
        setTimeout(() => server.closeAllConnections(), 3000).unref();
      });
      // The last second of counts is still in memory: write it before the process goes.
      await warmUps.stop();
      await edgePurger()?.close();
      publications.stop();
      await mailer.stop();
      await recorder?.close();
      await closeSharedUpstashRedis();
      fastPathReport.set(null);
      await app.close();
      sweep.stop();
      await pageCache.close();
      await closeDatabase();
    })();
    return closing;
  };
  return { server, close, pageCache: pageCache.description };
}

/** How this host reaches a server listening on `host`: every interface includes the loopback. */
function ownHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return isIPv6(host) ? `[${host}]` : host;
}

/** One server process: alone, or one of the primary's workers. */
async function runServerProcess(pageCache?: PageCacheSetting): Promise<void> {
  const { close, pageCache: description } = await startServer({ port: config.PORT, hostname: config.HOST, pageCache });
  const which =
    config.FRESHPRESS_PROCESSES > 1
      ? ` (process ${config.FRESHPRESS_PROCESS_INDEX + 1} of ${config.FRESHPRESS_PROCESSES}, pid ${process.pid})`
      : '';
  console.log(
    `[freshpress] ready on http://${ownHost(config.HOST)}:${config.PORT}${which}: ${description}${recordingEnabled() ? '' : '; statistics off'}`,
  );
  // Once per start, not per worker: nobody can sign in yet, so the first visitor to hold this line sets the blog up.
  if (config.FRESHPRESS_PROCESS_INDEX === 0) {
    const setup = await offerSetup().catch((error: unknown) => {
      console.error(`[freshpress] could not make a setup address: ${redactError(error)}`);
      return null;
    });
    if (setup) console.log(`Set up your blog: ${setup}`);
  }
  // `on`, not `once`: a signal to the process group reaches a worker twice (directly and from the
  // primary), and a second one with no handler would kill it before its counts are written.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`[freshpress] shutdown failed: ${redactError(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (cluster.isPrimary) {
    const plan = await planProcesses();
    if (plan.processes > 1) runPrimary(plan.processes, 'shared');
    else await runServerProcess(plan.pageCache);
  } else {
    await runServerProcess();
  }
}
