import http from 'node:http';
import https from 'node:https';
import { config, siteUrl } from '@/lib/core/config';
import { processSingleton } from '@/lib/core/process-singleton';
import { describeError } from '@/lib/core/redis-connection';
import { entryStatus, isPageValue, type IncrementalCacheValue } from './next-internals';
import { pageOfKey } from './rebuilds';
import type { PageCacheRuntime } from './runtime';
import type { SharedStore } from './store';

/*
 * Warming after an invalidation: the cached pages that depend on the invalidated tags are rendered
 * again at once, in the background, so their next reader finds a fresh entry instead of waiting
 * for a render. Only pages read within WARM_WINDOW, most read first, WARM_CONCURRENCY at a time per
 * server; a page nobody reads lately is left to its next reader.
 *
 * Which pages were read, with their tags, is kept in a bounded index: each server notes the pages
 * its cache handler serves or stores, and writes them to Redis every second (shared mode), where
 * every server's reads meet, so the server that applies an invalidation knows what the others
 * served too. A SCAN of the cache per invalidation would cost O(cached pages); the index answers
 * from the sets of the invalidated tags alone.
 *
 * A warm-up is an ordinary GET of the page — through the edge when one is configured, so Varnish
 * or the CDN is refilled too — marked with WARM_HEADER, so the statistics count it as a page warmed
 * rather than as a reader's miss. It goes through the same cache handler as any reader's request,
 * so the rebuild lock in Redis keeps it to one render per page across servers. In Next 16.4.6 one
 * entry holds a page's HTML and its RSC payload, so one GET warms both.
 */

/** Marks a request as a warm-up. Anyone may send it; it only changes how the request is counted. */
export const WARM_HEADER = 'x-freshpress-warm';

/** The index keeps at most this many pages (the most recently read). */
export const MAX_INDEXED_PAGES = 10_000;
/** One invalidation warms at most this many pages (a global one names every page). */
export const MAX_WARMED_PER_INVALIDATION = 500;
const FLUSH_MS = 1000;
const WARM_TIMEOUT_MS = 30_000;

export interface ReadPage {
  /** The request path, as the statistics name pages ("/", "/posts/a"). */
  page: string;
  tags: readonly string[];
  /** Reads since the page entered the index. */
  reads: number;
  /** When it was last read, ms. */
  lastReadAt: number;
}

export interface WarmTarget {
  page: string;
  reads: number;
}

/**
 * The pages to warm after `tags` were invalidated at `now`: those carrying one of the tags (the
 * index's tag sets may still name a page whose tags have changed since), read within `windowMs`,
 * most read first (ties: the most recently read), at most `limit`.
 */
export function selectWarmTargets(
  candidates: readonly ReadPage[],
  tags: readonly string[],
  now: number,
  windowMs: number,
  limit = MAX_WARMED_PER_INVALIDATION,
): WarmTarget[] {
  if (windowMs <= 0) return [];
  const invalidated = new Set(tags);
  const seen = new Set<string>();
  return candidates
    .filter((c) => {
      if (seen.has(c.page) || c.lastReadAt < now - windowMs || !c.tags.some((tag) => invalidated.has(tag)))
        return false;
      seen.add(c.page);
      return true;
    })
    .sort((a, b) => b.reads - a.reads || b.lastReadAt - a.lastReadAt || a.page.localeCompare(b.page))
    .slice(0, limit)
    .map((c) => ({ page: c.page, reads: c.reads }));
}

/**
 * What this process knows of the pages read lately: each page's tags, as its cache handler last
 * served or stored it, and its reads by readers, as the server counted them (warm-ups are not
 * reads: a page warmed again and again but never read must leave the window). All of it locally,
 * bounded (local mode: the whole truth), and the reads not yet written to the shared store.
 */
export class ReadIndex {
  private readonly known = new Map<string, ReadPage>();
  private readonly tagsOf = new Map<string, readonly string[]>();
  /** The tags last noted per cache key: a hit on the same entry costs one lookup. */
  private readonly noted = new Map<string, readonly string[]>();
  private pending = new Map<string, number>();

  constructor(private readonly limit = MAX_INDEXED_PAGES) {}

  /** A page entry the cache handler served or stored, with its tags (errors and data entries are not warmed). */
  noteEntry(key: string, value: IncrementalCacheValue | null | undefined, tags: readonly string[]): void {
    if (this.noted.get(key) === tags || !isPageValue(value) || (entryStatus(value) ?? 200) >= 400) return;
    bounded(this.noted, key, tags, this.limit);
    const page = pageOfKey(key, entryStatus(value));
    if (page.startsWith('/')) bounded(this.tagsOf, page, tags, this.limit);
  }

  /** A reader's request for a cached page, as the statistics name it. */
  noteRead(page: string, now = Date.now()): void {
    const tags = this.tagsOf.get(page);
    if (!tags) return;
    const known = this.known.get(page);
    bounded(this.known, page, { page, tags, reads: (known?.reads ?? 0) + 1, lastReadAt: now }, this.limit);
    this.pending.set(page, (this.pending.get(page) ?? 0) + 1);
  }

  /** This process's own reads of pages carrying one of `tags`. */
  localCandidates(tags: readonly string[]): ReadPage[] {
    const wanted = new Set(tags);
    return [...this.known.values()].filter((read) => read.tags.some((tag) => wanted.has(tag)));
  }

  /** Writes the reads noted since the last flush to the shared store; kept for the next try on failure. */
  async flush(store: SharedStore, windowMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const reads = [...batch].map(([page, n]) => ({ page, reads: n, tags: this.tagsOf.get(page) ?? [] }));
    try {
      await store.recordReads(reads, windowMs, this.limit);
    } catch (error) {
      for (const [page, n] of batch) this.pending.set(page, (this.pending.get(page) ?? 0) + n);
      throw error;
    }
  }
}

/** Sets `key` as the most recent entry of a Map kept to `limit` entries (the oldest go). */
function bounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

/**
 * Renders pages by requesting them, most read first, `concurrency` at a time. A page asked for
 * while its warm-up is queued is not queued twice; one asked for while its warm-up runs is warmed
 * once more afterwards, since that render may have begun before the newer invalidation (the page
 * cache would not keep its result then).
 */
export class Warmer {
  private queue: WarmTarget[] = [];
  private readonly running = new Set<string>();
  private readonly again = new Map<string, WarmTarget>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly fetchPage: (page: string) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (page: string, error: unknown) => void = () => {},
  ) {}

  get pending(): number {
    return this.queue.length + this.running.size + this.again.size;
  }

  enqueue(targets: readonly WarmTarget[]): void {
    for (const target of targets) {
      if (this.running.has(target.page)) {
        this.again.set(target.page, target);
        continue;
      }
      const queued = this.queue.find((q) => q.page === target.page);
      if (queued) queued.reads = Math.max(queued.reads, target.reads);
      else this.queue.push({ ...target });
    }
    this.queue.sort((a, b) => b.reads - a.reads);
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued (shutdown); warm-ups under way finish. */
  clear(): void {
    this.queue = [];
    this.again.clear();
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const target = this.queue.shift()!;
      this.running.add(target.page);
      void this.fetchPage(target.page)
        .catch((error: unknown) => this.onError(target.page, error))
        .finally(() => {
          this.running.delete(target.page);
          const again = this.again.get(target.page);
          if (again) {
            this.again.delete(target.page);
            this.enqueue([again]);
          } else this.pump();
          if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}

/** Where warm-ups go: the edge when one is configured (so it is refilled too), else this server itself. */
function warmOrigin(own: string): { origin: string; host?: string } {
  const explicitSite = config.SITE_URL ? new URL(siteUrl).host : undefined;
  if (config.EDGE === 'varnish' && config.EDGE_PURGE_URL) {
    // Varnish answers GETs where it takes PURGEs; readers reach it under the site's own name.
    return { origin: new URL(config.EDGE_PURGE_URL).origin, host: explicitSite };
  }
  if (config.EDGE !== 'none' && config.SITE_URL) return { origin: new URL(siteUrl).origin };
  return { origin: own };
}

/** One warm-up: a document GET marked as such, read to its end (the render is stored before it is sent). */
function requestPage(
  agent: http.Agent,
  origin: string,
  host: string | undefined,
  page: string,
  extraHeaders: Record<string, string> = {},
  timeoutMs = WARM_TIMEOUT_MS,
): Promise<http.IncomingMessage> {
  const url = new URL(encodeURI(page), origin);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.get(
      url,
      {
        agent,
        headers: {
          [WARM_HEADER]: '1',
          accept: 'text/html',
          'accept-encoding': 'gzip, br',
          ...(host ? { host } : {}),
          ...extraHeaders,
        },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response));
        response.once('error', reject);
      },
    );
    request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('error', reject);
  });
}

interface Warming {
  index: ReadIndex;
  warmer: Warmer | null;
  timer: NodeJS.Timeout | null;
  agent: http.Agent | null;
  /** This server's own address and a connection pool to it, once it listens. */
  own: { origin: string; agent: http.Agent } | null;
  lastFailureLog: number;
}

/** The process's index and warmer (lib/core/process-singleton.ts: the handler and the app's writers share them). */
function warming(): Warming {
  return processSingleton<Warming>('page-cache.warming', () => ({
    index: new ReadIndex(),
    warmer: null,
    timer: null,
    agent: null,
    own: null,
    lastFailureLog: 0,
  }));
}

export function readIndex(): ReadIndex {
  return warming().index;
}

function logFailure(what: string, error: unknown): void {
  const state = warming();
  // One line a minute: while the edge or Redis is away, every invalidation would log otherwise.
  if (Date.now() - state.lastFailureLog < 60_000) return;
  state.lastFailureLog = Date.now();
  console.warn(`[cache] ${what} (${describeError(error)}); the page is rendered for its next reader instead`);
}

/**
 * Starts warming in this server once it listens (an invalidation applied before, at start-up,
 * warms nothing: there is no server to ask yet), and writing its reads to the shared store. `own`
 * is where this server answers on this host.
 */
export function startWarming(runtime: PageCacheRuntime, own: string): { stop(): Promise<void> } {
  const state = warming();
  const windowMs = config.WARM_WINDOW * 1000;
  if (windowMs > 0) {
    const { origin, host } = warmOrigin(own);
    const agent = new http.Agent({ keepAlive: true, maxSockets: config.WARM_CONCURRENCY });
    state.agent = agent;
    state.own = {
      origin: own,
      agent: new http.Agent({ keepAlive: true, maxSockets: config.WARM_CONCURRENCY }),
    };
    state.warmer = new Warmer(
      async (page) => void (await requestPage(agent, origin, host, page)),
      config.WARM_CONCURRENCY,
      (page, error) => logFailure(`could not warm ${page}`, error),
    );
    if (runtime.store) {
      const store = runtime.store;
      state.timer = setInterval(() => {
        if (store.isReady) void state.index.flush(store, windowMs).catch(() => undefined);
      }, FLUSH_MS);
      state.timer.unref();
    }
  }
  return {
    async stop() {
      if (state.timer) clearInterval(state.timer);
      state.timer = null;
      state.warmer?.clear();
      state.warmer = null;
      state.agent?.destroy();
      state.agent = null;
      state.own?.agent.destroy();
      state.own = null;
    },
  };
}

/**
 * The pages read lately (within WARM_WINDOW) that carry one of `tags`, most read first: from the
 * shared index in shared mode, this process's own otherwise. Empty while warming is off.
 */
export async function warmTargets(runtime: PageCacheRuntime, tags: readonly string[]): Promise<WarmTarget[]> {
  const state = warming();
  const windowMs = config.WARM_WINDOW * 1000;
  if (!state.warmer || windowMs <= 0 || tags.length === 0) return [];
  let candidates: ReadPage[];
  let now = Date.now();
  if (runtime.mode === 'shared' && runtime.store) {
    // This server's own latest reads first, so the index holds them when it is asked.
    await state.index.flush(runtime.store, windowMs);
    ({ now, candidates } = await runtime.store.pagesReadWith(tags));
  } else {
    candidates = state.index.localCandidates(tags);
  }
  return selectWarmTargets(candidates, tags, now, windowMs);
}

/**
 * A GET of `page` from this server itself, marked as a warm-up and with `headers`: the answer's
 * headers when it came in time with a status below 500; null, never thrown, otherwise.
 */
export async function fetchOwnPage(
  page: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<http.IncomingHttpHeaders | null> {
  const own = warming().own;
  if (!own || timeoutMs <= 0) return null;
  try {
    const response = await requestPage(own.agent, own.origin, undefined, page, headers, timeoutMs);
    return (response.statusCode ?? 500) < 500 ? response.headers : null;
  } catch (error) {
    logFailure(`could not render ${page} ahead`, error);
    return null;
  }
}

/**
 * After `tags` were invalidated (lib/invalidation/apply.ts): queue the pages to warm, but those in
 * `done` (rendered ahead of the change and installed with it). Never throws.
 */
export async function warmAfterInvalidation(
  runtime: PageCacheRuntime,
  tags: readonly string[],
  done: ReadonlySet<string> = new Set(),
): Promise<void> {
  const warmer = warming().warmer;
  if (!warmer) return;
  try {
    warmer.enqueue((await warmTargets(runtime, tags)).filter((target) => !done.has(target.page)));
  } catch (error) {
    logFailure('could not find the pages to warm', error);
  }
}
