import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import FileSystemCacheModule from 'next/dist/server/lib/incremental-cache/file-system-cache.js';
import type { CacheHandler, CacheHandlerContext, CacheHandlerValue } from 'next/dist/server/lib/incremental-cache';
import type { IncrementalCacheValue } from 'next/dist/server/response-cache';
import { databaseUnreachable } from '@/db/outage';
import { config } from '@/lib/config';
import { setEdgeKeys } from '@/lib/http-cache';
import { describeError } from '@/lib/redis-connection';
import { PAGE_KINDS, pageTagsOf, RebuildObserver, type MissReason } from '@/lib/stats/rebuilds';
import { getRecorder } from '@/lib/stats/runtime';
import { pageCacheRuntime, type PageCacheRuntime } from './runtime';
import { deserializeValue, serializeValue } from './serialize';
import type { SharedStore, TagCheck } from './store';

/*
 * Next's `cacheHandler` for pages (APP_PAGE, APP_ROUTE) and `unstable_cache` data (FETCH).
 *
 * Shared mode: entries live in Redis (lib/page-cache/store.ts) behind a per-process memory tier.
 * Every read — memory hit included — first asks Redis whether anything was invalidated since the
 * entry was made (one small script call; nothing but an epoch number comes back when nothing
 * changed), so no process serves what another one invalidated. A page nobody has in Redis is read
 * from the build's prerendered files (through Next's FileSystemCache) and copied to Redis. One
 * server at a time rebuilds a page (a lock in Redis); the others wait for its result. When Redis
 * cannot answer, pages render from the database and nothing is stored.
 *
 * Local mode: Next's own FileSystemCache, whose tag manifest lib/page-cache/setup.ts refills from
 * the outbox at start, so a restart forgets no invalidation.
 *
 * In both, a render that started before an invalidation of one of its tags is not stored: its
 * result may hold the old content.
 *
 * What this relies on in Next 16.4 (checked against its source; keep true as versions move):
 * - the handler interface: get(key, ctx{kind, tags, softTags}), set(key, data, ctx{tags,
 *   cacheControl}), revalidateTag(tags, durations), resetRequestCache(); `get` errors are not
 *   caught by Next (so every failure here becomes a miss), `set` errors are;
 * - a page entry's tags are its `x-next-cache-tags` header; FETCH tags come in the context;
 * - CacheHandlerValue is { lastModified, value, cacheControl }: without cacheControl a path outside
 *   the prerender manifest gets a 1-second revalidate;
 * - Next constructs the class per request: all state is at module scope;
 * - next/dist/server/lib/incremental-cache/file-system-cache.js (the local cache, and the reader
 *   of prerendered files) and tags-manifest.external.js (its in-process tag times).
 *
 * Built to .freshpress/cache-handler.mjs by scripts/build.ts; next.config.ts points Next at it.
 */

type Handler = InstanceType<typeof CacheHandler>;
type GetContext = Parameters<Handler['get']>[1];
type SetContext = Parameters<Handler['set']>[2];

// The module is CommonJS; loaded from an ES module its class sits on `default` once or twice.
const FileSystemCache = ((FileSystemCacheModule as unknown as { default?: unknown }).default ?? FileSystemCacheModule) as unknown as new (
  ctx: CacheHandlerContext,
) => Handler;

/** A rebuild lock outlives no render: a server that died holding it is waited for this long at most. */
const LOCK_TTL_MS = 30_000;
const LOCK_POLL_MS = 25;
/** Renders take far less; a start older than this belongs to a render that failed. */
const MAX_RENDER_MS = 120_000;
/** Redis keeps an entry no longer than this, whatever its lifetime: old builds' entries go with it. */
const MAX_TTL_SECONDS = 14 * 86_400;

interface MemoryEntry {
  data: CacheHandlerValue;
  tags: string[];
  size: number;
  generation: string;
  /** The epoch at the last check that found the entry fresh; unchanged epoch, still fresh. */
  epoch: string | null;
}

/** A byte-bounded LRU of decoded entries. */
class MemoryTier {
  private readonly entries = new Map<string, MemoryEntry>();
  private bytes = 0;
  constructor(private readonly limit: number) {}

  get(key: string): MemoryEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: MemoryEntry): void {
    this.delete(key);
    if (entry.size > this.limit / 4) return;
    this.entries.set(key, entry);
    this.bytes += entry.size;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(oldest);
      this.bytes -= old.size;
    }
  }

  /** Marks an entry recently used (a hit); a Map keeps insertion order. */
  touch(key: string, entry: MemoryEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

const memory = new MemoryTier(config.PAGE_CACHE_MEMORY_MB * 1024 * 1024);
/** When each render under way began (Redis's clock in shared mode): see `startOf`. */
const renderStarts = new Map<string, number[]>();
const lockTokens = new Map<string, string>();
let generation: string | null = null;
let lastFailureLog = 0;
let buildStart: number | null | undefined;

/**
 * A render's start, for its `set`: the earliest start under way for the key, so that with two
 * renders in flight neither is stamped later than it began; the latest start is the one dropped.
 */
function noteRenderStart(key: string, at: number): void {
  const starts = (renderStarts.get(key) ?? []).filter((start) => start > at - MAX_RENDER_MS);
  starts.push(at);
  renderStarts.set(key, starts);
}

function takeRenderStart(key: string): number | null {
  const starts = renderStarts.get(key);
  if (!starts || starts.length === 0) return null;
  const earliest = Math.min(...starts);
  starts.splice(starts.indexOf(Math.max(...starts)), 1);
  if (starts.length === 0) renderStarts.delete(key);
  return earliest;
}

function logFailure(what: string, error: unknown): void {
  // One line per ten seconds: during an outage every request would log otherwise.
  if (Date.now() - lastFailureLog < 10_000) return;
  lastFailureLog = Date.now();
  console.warn(`[cache] ${what} (${describeError(error)}); rendering from the database`);
}

/** The tags an entry is checked against: a page's own, or a data entry's plus the reading page's. */
function tagsFor(ctx: GetContext, stored: readonly string[]): readonly string[] {
  if (ctx.kind !== 'FETCH') return stored;
  return [...new Set([...stored, ...(ctx.tags ?? []), ...(ctx.softTags ?? [])])];
}

/** Tags invalidated at or after `lastModified`. */
function invalidatedTags(tags: readonly string[], times: readonly number[], lastModified: number): string[] {
  return tags.filter((_, i) => (times[i] ?? 0) >= lastModified);
}

function revalidateOf(data: CacheHandlerValue): number | false | undefined {
  if (data.cacheControl) return data.cacheControl.revalidate;
  return data.value?.kind === 'FETCH' ? data.value.revalidate : undefined;
}

/**
 * What a made-up address produces is not kept: an error page (a 404 for /posts/<anything>), or a
 * lookup that found nothing (null). Scans would otherwise fill Redis or the disk one address at a
 * time; not keeping them, a 404 costs one indexed query and a render, and no space.
 */
function worthKeeping(data: IncrementalCacheValue): boolean {
  if (data.kind === 'FETCH') return data.data.body !== 'null';
  if ('status' in data && typeof data.status === 'number') return data.status < 400;
  return true;
}

function ttlSeconds(data: IncrementalCacheValue, ctx: SetContext): number {
  const cacheControl = 'cacheControl' in ctx ? ctx.cacheControl : undefined;
  const lifetime = cacheControl?.expire ?? (typeof cacheControl?.revalidate === 'number' ? cacheControl.revalidate : undefined);
  const fetchLifetime = data.kind === 'FETCH' && typeof data.revalidate === 'number' && data.revalidate > 0 ? data.revalidate : undefined;
  return Math.min(lifetime ?? fetchLifetime ?? MAX_TTL_SECONDS, MAX_TTL_SECONDS);
}

function readBuildStart(serverDistDir: string | undefined): number | null {
  if (buildStart !== undefined) return buildStart;
  const file = path.join(serverDistDir ?? '', '..', 'freshpress-build-start');
  const at = existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
  buildStart = Number.isFinite(at) ? at : null;
  return buildStart;
}

export default class PageCacheHandler {
  private readonly files: Handler;
  private readonly observer: RebuildObserver;
  private readonly serverDistDir: string | undefined;
  private readonly runtime: PageCacheRuntime | null;

  constructor(ctx: CacheHandlerContext) {
    this.runtime = pageCacheRuntime();
    // Shared mode reads only the build's files through it, once per page, and keeps them in its own
    // memory tier: a second in-memory copy (Next's, 50 MB by default) would only double the memory.
    this.files = new FileSystemCache(this.runtime?.mode === 'shared' ? { ...ctx, maxMemoryCacheSize: 0 } : ctx);
    this.observer = new RebuildObserver(ctx.serverDistDir);
    this.serverDistDir = ctx.serverDistDir;
  }

  private get store(): SharedStore | null {
    return this.runtime?.mode === 'shared' ? this.runtime.store : null;
  }

  async get(key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
    const store = this.store;
    if (!store) return this.getLocal(key, ctx);
    const isPage = PAGE_KINDS.has(ctx.kind);
    if (!store.isReady || this.runtime?.resyncing) {
      // Freshness cannot be checked: render from the database, and store nothing (no start noted).
      if (isPage) this.observer.missed(key, { tags: [], events: [], existed: false });
      return null;
    }
    try {
      const found = await this.getShared(store, key, ctx, isPage);
      // Only current entries come back from getShared: their tags may go to the edge.
      if (isPage) setEdgeKeys(found?.value, pageTagsOf(found?.value));
      return found;
    } catch (error) {
      logFailure('the shared page cache did not answer', error);
      return null;
    }
  }

  async set(key: string, data: IncrementalCacheValue | null, ctx: SetContext): Promise<void> {
    const store = this.store;
    if (!store) return this.setLocal(key, data, ctx);
    // Tagged for the edge below only once stored: a render that raced an invalidation may hold the
    // old content, and is neither kept here nor anywhere in front.
    setEdgeKeys(data, null);
    const startedAt = takeRenderStart(key);
    const token = lockTokens.get(key) ?? null;
    lockTokens.delete(key);
    if (!data || startedAt === null || !worthKeeping(data)) {
      if (token) await store.unlock(key, token).catch(() => undefined);
      return;
    }
    const tags = data.kind === 'FETCH' ? [...new Set(('tags' in ctx ? ctx.tags : undefined) ?? [])] : pageTagsOf(data);
    const cacheControl = 'cacheControl' in ctx ? ctx.cacheControl : undefined;
    // A rebuild happened whether or not its result may be kept (a render that raced is not).
    if (PAGE_KINDS.has(data.kind)) this.observer.wrote(key, data, cacheControl?.revalidate, startedAt);
    const body = serializeValue({ value: data, cacheControl });
    let outcome;
    try {
      outcome = await store.put(key, { startedAt, tags, body, ttlSeconds: ttlSeconds(data, ctx) }, token);
    } catch (error) {
      logFailure('could not store a page in the shared cache', error);
      return;
    }
    if (outcome !== 'stored') return;
    setEdgeKeys(data, tags);
    const stored: CacheHandlerValue = { lastModified: startedAt, value: data, cacheControl };
    memory.set(key, { data: stored, tags, size: body.length, generation: generation ?? '', epoch: null });
  }

  async revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void> {
    const list = typeof tags === 'string' ? [tags] : tags;
    const runtime = this.runtime;
    getRecorder().noteTagsExpired(list);
    if (!runtime) return this.files.revalidateTag(list, durations);
    if (runtime.mode === 'shared') {
      // Next has just stamped these in its in-process manifest with this host's clock. Redis is the
      // judge of freshness here; a second judge with another clock would make Next re-render, and
      // never store, an entry Redis holds to be fresh.
      for (const tag of list) runtime.tagsManifest.delete(tag);
    }
    // The writer applied these right after its commit (lib/invalidate.ts); only the rest is new.
    // Next has just stamped its own manifest with the end of the request: the change was visible
    // from the writer's apply on, so renders since then stay fresh.
    const rest = list.filter((tag) => {
      const ahead = runtime.appliedAhead.get(tag);
      if (!ahead) return true;
      if (ahead.count === 1) runtime.appliedAhead.delete(tag);
      else runtime.appliedAhead.set(tag, { ...ahead, count: ahead.count - 1 });
      const entry = runtime.tagsManifest.get(tag);
      if ((entry?.expired ?? 0) > ahead.at) runtime.tagsManifest.set(tag, { ...entry, expired: ahead.at });
      return false;
    });
    if (rest.length === 0) return;
    if (runtime.mode === 'shared' && runtime.store) {
      try {
        await runtime.store.invalidate(rest, null);
      } catch (error) {
        runtime.resyncing = true;
        logFailure('could not record an invalidation in Redis', error);
      }
      return;
    }
    await this.files.revalidateTag(rest, durations);
  }

  resetRequestCache(): void {
    this.files.resetRequestCache();
  }

  private async getShared(store: SharedStore, key: string, ctx: GetContext, isPage: boolean): Promise<CacheHandlerValue | null> {
    let reason: MissReason = { tags: [], events: [], existed: false };

    const cached = memory.get(key);
    if (cached) {
      // Nothing invalidated anywhere since the last look (the common case) costs one tiny call; only
      // when the epoch moved are this entry's tags read.
      const tags = tagsFor(ctx, cached.tags);
      let check = await store.check([], cached.generation === generation ? cached.epoch : null);
      if (check.times !== null) check = await store.check(tags, null);
      this.adoptGeneration(check);
      if (cached.generation === check.generation) {
        const stale = check.times ? invalidatedTags(tags, check.times, cached.data.lastModified) : [];
        if (stale.length === 0) {
          cached.epoch = check.epoch;
          memory.touch(key, cached);
          return this.served(key, cached.data, check.now, isPage);
        }
        reason = { tags: stale, events: [], existed: true, previous: cached.data.value ?? undefined };
      }
      memory.delete(key);
    }

    const found = await this.readShared(store, key, ctx);
    if (found.entry) return this.served(key, found.entry.data, found.check.now, isPage);
    if (found.stale) reason = { ...found.stale, existed: true, previous: reason.previous ?? found.stale.previous };
    if (reason.tags.length > 0) reason.events = await store.eventsOf(reason.tags).catch(() => []);
    noteRenderStart(key, found.check.now);
    if (isPage) this.observer.missed(key, reason);
    if (!isPage) return null;
    return this.lockOrWait(store, key, ctx);
  }

  /** Reads an entry from Redis — or, when Redis has none, from the build's prerendered files — and checks it. */
  private async readShared(
    store: SharedStore,
    key: string,
    ctx: GetContext,
  ): Promise<{ check: TagCheck; entry?: MemoryEntry; stale?: { tags: string[]; events: []; previous?: IncrementalCacheValue } }> {
    const stored = await store.read(key);
    const seed = stored ? null : await this.readBuildSeed(key, ctx);
    const tags = tagsFor(ctx, stored?.tags ?? seed?.tags ?? []);
    const check = await store.check(tags, null);
    this.adoptGeneration(check);
    if (!stored && !seed) return { check };
    const lastModified = stored ? stored.lastModified : seed!.lastModified;
    const stale = invalidatedTags(tags, check.times ?? [], lastModified);
    let data: CacheHandlerValue;
    if (stored) {
      const decoded = deserializeValue<{ value: IncrementalCacheValue; cacheControl?: CacheHandlerValue['cacheControl'] }>(stored.body);
      data = { lastModified, value: decoded.value, cacheControl: decoded.cacheControl };
    } else {
      data = seed!.data;
    }
    if (stale.length > 0) return { check, stale: { tags: stale, events: [], previous: data.value ?? undefined } };
    const body = stored?.body ?? serializeValue({ value: data.value, cacheControl: data.cacheControl });
    if (!stored && data.value) {
      // The first server to read a prerendered page copies it to Redis for all the others.
      await store.put(key, { startedAt: lastModified, tags, body, ttlSeconds: MAX_TTL_SECONDS }, null).catch(() => undefined);
    }
    const entry: MemoryEntry = { data, tags: stored?.tags ?? seed!.tags, size: body.length, generation: check.generation, epoch: check.epoch };
    memory.set(key, entry);
    return { check, entry };
  }

  /** A prerendered page (or build-time data) as `next build` wrote it, no newer than the build's start. */
  private async readBuildSeed(key: string, ctx: GetContext): Promise<{ data: CacheHandlerValue; tags: string[]; lastModified: number } | null> {
    const data = await this.files.get(key, ctx).catch(() => null);
    if (!data?.value) return null;
    const started = readBuildStart(this.serverDistDir);
    const lastModified = started === null ? data.lastModified : Math.min(data.lastModified, started);
    const tags = data.value.kind === 'FETCH' ? (data.value.tags ?? []) : pageTagsOf(data.value);
    return { data: { ...data, lastModified }, tags, lastModified };
  }

  private served(key: string, data: CacheHandlerValue, now: number, isPage: boolean): CacheHandlerValue {
    const revalidate = revalidateOf(data);
    // Past its lifetime Next serves it and renders again in the background: that render's start.
    // A render Next starts for a reason of its own (its in-process tag manifest) finds no start
    // and is not stored, so every entry's stamp is a time its render had truly begun by.
    if (typeof revalidate === 'number' && data.lastModified + revalidate * 1000 < now) noteRenderStart(key, now);
    if (isPage && data.value) this.observer.served(key, data.value, data.lastModified, revalidate, now);
    return data;
  }

  /** One rebuild per page across servers: take the lock and render, or wait for the holder's result. */
  private async lockOrWait(store: SharedStore, key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
    // A render that fails never reaches set(), so its lock is held until it expires. While the
    // database is down every render fails, here and on the lock's holder: waiting for the holder
    // would only hold each visitor's 503 back by REBUILD_LOCK_WAIT_MS, and, once the database is
    // back, the first visitor's page too (the state clears with this render's first query).
    if (databaseUnreachable()) return null;
    const deadline = Date.now() + config.REBUILD_LOCK_WAIT_MS;
    for (;;) {
      const token = await store.lock(key, LOCK_TTL_MS);
      if (token) {
        lockTokens.set(key, token);
        return null;
      }
      // Polling a small key: the wait is bounded and short, and a server that died holding the lock
      // publishes nothing, so there is no event that covers every case.
      while (Date.now() < deadline && (await store.isLocked(key))) await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      if (Date.now() >= deadline) return null;
      const found = await this.readShared(store, key, ctx);
      if (found.entry) {
        takeRenderStart(key);
        if (found.entry.data.value) this.observer.avoided(key, found.entry.data.value);
        return found.entry.data;
      }
    }
  }

  private adoptGeneration(check: TagCheck): void {
    if (generation === check.generation) return;
    // Redis lost its data (or this is the first check): nothing remembered in memory can be trusted.
    if (generation !== null) {
      memory.clear();
      if (this.runtime) {
        this.runtime.resyncing = true;
        void this.runtime.resync();
      }
    }
    generation = check.generation;
  }

  private async getLocal(key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
    const data = await this.files.get(key, ctx);
    const revalidate = data ? revalidateOf(data) : undefined;
    if (!data?.value || (typeof revalidate === 'number' && data.lastModified + revalidate * 1000 < Date.now())) noteRenderStart(key, Date.now());
    if (!PAGE_KINDS.has(ctx.kind)) return data;
    // Next's file cache returns nothing whose tags were invalidated since it was written.
    setEdgeKeys(data?.value, pageTagsOf(data?.value));
    if (data?.value) this.observer.served(key, data.value, data.lastModified, data.cacheControl?.revalidate);
    else this.observer.missed(key);
    return data;
  }

  private async setLocal(key: string, data: IncrementalCacheValue | null, ctx: SetContext): Promise<void> {
    setEdgeKeys(data, null);
    const startedAt = takeRenderStart(key);
    if (data && !worthKeeping(data)) return;
    const manifest = this.runtime?.tagsManifest;
    if (data && startedAt !== null && manifest) {
      const tags = data.kind === 'FETCH' ? (('tags' in ctx ? ctx.tags : undefined) ?? []) : pageTagsOf(data);
      // An invalidation since this render began: its result may hold the old content.
      if (tags.some((tag) => (manifest.get(tag)?.expired ?? 0) >= startedAt)) return;
    }
    await this.files.set(key, data, ctx);
    setEdgeKeys(data, pageTagsOf(data));
    if (data && PAGE_KINDS.has(data.kind)) this.observer.wrote(key, data, 'cacheControl' in ctx ? ctx.cacheControl?.revalidate : undefined);
  }
}
