import cluster from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import next from 'next';
import { closeDatabase } from '@/db/client';
import { databaseUnreachable, RETRY_AFTER_SECONDS } from '@/db/outage';
import { config } from '@/lib/config';
import { startPageCache, type PageCacheSetting } from '@/lib/page-cache/setup';
import { pagePathOf } from '@/lib/stats/keys';
import { getRecorder, recordingEnabled } from '@/lib/stats/runtime';
import type { RequestOutcome } from '@/lib/stats/types';
import { planProcesses, runPrimary } from './cluster';

/*
 * The production server: Next's request handler behind a plain Node HTTP server, so each answered
 * request can be counted from the `x-nextjs-cache` header Next sets (HIT, STALE, MISS). This is the
 * one place that sees every request: Next serves concurrent requests for the same page from one
 * cache read, and a proxy.ts costs half the cached-page throughput. Counting is a Map update after
 * the response has finished; the request never waits for it. Built to .freshpress/server.mjs.
 */

const OUTCOMES: Record<string, RequestOutcome> = { HIT: 'hit', STALE: 'stale', MISS: 'miss' };

function decodablePath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0] ?? '/';
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

const OUTAGE_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Temporarily unavailable — ${escapeHtml(config.SITE_TITLE)}</title>
<style>body{font:1.1rem/1.6 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222;background:#fbfaf7}</style></head>
<body><main><h1>This page is temporarily unavailable</h1>
<p>We couldn’t load it just now. Please try again in a minute; nothing you did caused this.</p>
<p><a href="/">Back to the latest posts</a></p></main></body></html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * A request Next failed to answer while the database is unreachable is answered 503 with
 * Retry-After: the site is down for a while, not broken, and browsers, crawlers and load balancers
 * treat the two differently (a crawler drops a URL that keeps failing with 500s). Where Next was
 * sending its HTML error document, an empty shell that only its client-side script fills in, the
 * visitor gets a page that says what happened in words, with or without JavaScript. Node's implicit headers (a plain res.end) go through
 * writeHead too, so this sees every status Next sends.
 */
function outageAware(res: ServerResponse): void {
  const { writeHead, write, end } = res;
  let replaced = false;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    if (status !== 500 || !databaseUnreachable()) return writeHead.call(this, status, ...(rest as []));
    this.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    this.setHeader('cache-control', 'no-store');
    if (String(this.getHeader('content-type') ?? '').startsWith('text/html')) {
      replaced = true;
      this.removeHeader('content-length');
      this.removeHeader('content-encoding');
      this.setHeader('content-type', 'text/html; charset=utf-8');
      return writeHead.call(this, 503);
    }
    return writeHead.call(this, 503, ...(rest as []));
  } as typeof res.writeHead;
  // Only when it will be a 503: the status is decided before any of Next's body can go out.
  // Otherwise Node keeps writing the headers itself (with the Content-Length it works out).
  const decide = () => {
    if (!res.headersSent && res.statusCode === 500 && databaseUnreachable()) res.writeHead(500);
  };
  const callbackIn = (args: unknown[]) => args.find((arg): arg is () => void => typeof arg === 'function');
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    decide();
    if (!replaced) return write.apply(this, args as Parameters<typeof write>);
    callbackIn(args)?.();
    return true;
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    decide();
    if (!replaced) return end.apply(this, args as Parameters<typeof end>);
    return end.call(this, OUTAGE_PAGE, 'utf8', callbackIn(args));
  } as typeof res.end;
}

/**
 * Next runs on the configuration the build recorded, as its own standalone server.js does: in the
 * standalone folder there is no next.config.ts (nor the TypeScript to load it), and in the source
 * tree the recorded one is the one the pages were built with. The build directory is this
 * server's own, which may be a copy of the one the build wrote.
 */
function adoptRecordedConfig(dir: string): void {
  const recorded = path.join(dir, config.FRESHPRESS_DIST_DIR, 'required-server-files.json');
  if (!existsSync(recorded)) return;
  const nextConfig = (JSON.parse(readFileSync(recorded, 'utf8')) as { config: Record<string, unknown> }).config;
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify({ ...nextConfig, distDir: config.FRESHPRESS_DIST_DIR });
}

export async function startServer(options: { port: number; hostname?: string; dir?: string; pageCache?: PageCacheSetting }) {
  const dir = options.dir ?? process.cwd();
  adoptRecordedConfig(dir);
  // Before Next serves anything: the cache must know every invalidation made before this start.
  const pageCache = await startPageCache({ distDir: path.resolve(dir, config.FRESHPRESS_DIST_DIR), mode: options.pageCache });
  const app = next({ dev: false, dir, hostname: options.hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const counting = recordingEnabled();
  const recorder = counting ? getRecorder() : null;

  const countWhenDone = (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      const header = res.getHeader('x-nextjs-cache');
      const outcome = typeof header === 'string' ? OUTCOMES[header] : undefined;
      if (!outcome) return;
      // Cached 404s are one page for the statistics: a scan of made-up URLs must not add thousands of rows.
      const page = res.statusCode === 404 ? '(not found)' : pagePathOf(req.url ?? '/');
      recorder?.recordRequest(page, outcome);
    });
  };

  const server = createServer((req, res) => {
    // Next answers a path with a broken percent-escape (/tags/%E0%A4%A) with a 500 of its own.
    if (!decodablePath(req.url)) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('Bad request: the address has a malformed percent-escape.\n');
      return;
    }
    outageAware(res);
    if (recorder && (req.method === 'GET' || req.method === 'HEAD')) countWhenDone(req, res);
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(options.port, options.hostname, resolve));

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
      await recorder?.close();
      await app.close();
      await pageCache.close();
      await closeDatabase();
    })();
    return closing;
  };
  return { server, close, pageCache: pageCache.description };
}

/** One server process: alone, or one of the primary's workers. */
async function runServerProcess(pageCache?: PageCacheSetting): Promise<void> {
  const { close, pageCache: description } = await startServer({ port: config.PORT, pageCache });
  const which = config.FRESHPRESS_PROCESSES > 1 ? ` (process ${config.FRESHPRESS_PROCESS_INDEX + 1} of ${config.FRESHPRESS_PROCESSES}, pid ${process.pid})` : '';
  console.log(`[freshpress] ready on http://localhost:${config.PORT}${which}: ${description}${recordingEnabled() ? '' : '; statistics off'}`);
  // `on`, not `once`: a signal to the process group reaches a worker twice (directly and from the
  // primary), and a second one with no handler would kill it before its counts are written.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('[freshpress] shutdown failed', error);
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
