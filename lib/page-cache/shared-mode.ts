import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '@/lib/core/redis-connection';
import {
  invalidatedTags,
  MAX_TTL_SECONDS,
  pastLifetime,
  revalidateOf,
  setEdgeKeys,
  tagsFor,
  tagsToStore,
  ttlSeconds,
  worthKeeping,
} from './entries';
import { MemoryTier, type MemoryEntry } from './memory-tier';
import {
  entryTags,
  PAGE_KINDS,
  type CacheHandlerValue,
  type GetContext,
  type IncrementalCacheValue,
  type NextCacheHandler,
  type SetContext,
} from './next-internals';
import type { MissReason, RebuildObserver } from './rebuilds';
import type { RenderStarts } from './render-starts';
import type { PageCacheRuntime } from './runtime';
import { deserializeValue, serializeValue } from './serialize';
import { aheadRequest, type AheadRequest } from './render-ahead';
import { noteServedEntry } from './served-entry';
import type { PendingChange, SharedStore, TagCheck } from './store';
import { readIndex } from './warming';

/*
 * Shared mode: entries live in Redis (./store.ts) behind this process's memory tier. Every read —
 * memory hit included — first asks Redis whether anything was invalidated since the entry was made
 * (one small script call; nothing but an epoch number comes back when nothing changed), so no
 * process serves what another one invalidated. A page nobody has in Redis is read from the build's
 * prerendered files (through Next's file cache) and copied to Redis. One server at a time rebuilds
 * a page (a lock in Redis); the others wait for its result. When Redis cannot answer, pages render
 * from the database and nothing is stored.
 */

/** A rebuild lock outlives no render: a server that died holding it is waited for this long at most. */
const LOCK_TTL_MS = 30_000;
const LOCK_POLL_MS = 25;

export interface SharedModeOptions {
  memory: MemoryTier;
  starts: RenderStarts;
  observer: RebuildObserver;
  /** How long a read waits for another server's rebuild of the same page. */
  lockWaitMs: number;
  /** While the database is unreachable every render fails: waiting for another's is pointless. */
  databaseUnreachable: () => boolean;
}

/** What one request brings: the process's runtime and store, and Next's file cache for the build's files. */
export interface SharedRequest {
  runtime: PageCacheRuntime;
  store: SharedStore;
  files: NextCacheHandler;
  serverDistDir: string | undefined;
}

function noteServedPage(entry: MemoryEntry): void {
  const revalidate = revalidateOf(entry.data);
  noteServedEntry({
    tags: entry.tags,
    lastModified: entry.data.lastModified,
    revalidate: typeof revalidate === 'number' ? revalidate : null,
    generation: entry.generation,
    epoch: entry.epoch,
  });
}

export class SharedMode {
  private readonly lockTokens = new Map<string, string>();
  private generation: string | null = null;
  private buildStart: number | null | undefined;
  private lastFailureLog = 0;
  private readonly reads = readIndex();

  constructor(private readonly options: SharedModeOptions) {}

  async get(request: SharedRequest, key: string, ctx: GetContext, isPage: boolean): Promise<CacheHandlerValue | null> {
    const { store, runtime } = request;
    if (!store.isReady || runtime.resyncing) {
      // Freshness cannot be checked: render from the database, and store nothing (no start noted).
      if (isPage) this.options.observer.missed(key, { tags: [], events: [], existed: false });
      return null;
    }
    try {
      const ahead = await this.aheadOf(store);
      if (ahead) return await this.readAhead(request, key, ctx, isPage, ahead);
      const found = await this.read(request, key, ctx, isPage);
      // Only current entries come back from read(): their tags may go to the edge.
      if (isPage) setEdgeKeys(found?.value, entryTags(found?.value));
      return found;
    } catch (error) {
      this.logFailure('the shared page cache did not answer', error);
      return null;
    }
  }

  async set(
    request: SharedRequest,
    key: string,
    data: IncrementalCacheValue | null,
    ctx: SetContext,
    isPage: boolean,
  ): Promise<void> {
    const { store } = request;
    // Tagged for the edge below only once stored: a render that raced an invalidation may hold the
    // old content, and is neither kept here nor anywhere in front.
    setEdgeKeys(data, null);
    const ahead = await this.aheadOf(store);
    // A render ahead keeps its page aside and stores no data: data carrying the change's tags must
    // not go live before it, and the rest, never looked up in an on-demand render, has no start.
    if (ahead) {
      if (isPage) {
        await this.endJoinedRender(store, key);
        await this.keepAhead(request, key, data, ctx, ahead.request);
      }
      return;
    }
    const startedAt = this.options.starts.take(key);
    const token = this.lockTokens.get(key) ?? null;
    this.lockTokens.delete(key);
    if (!data || startedAt === null || !worthKeeping(data)) {
      if (isPage) this.options.observer.discarded(key);
      if (token) await store.unlock(key, token).catch(() => undefined);
      return;
    }
    const tags = tagsToStore(data, ctx);
    const cacheControl = 'cacheControl' in ctx ? ctx.cacheControl : undefined;
    // A rebuild happened whether or not its result may be kept (a render that raced is not).
    if (isPage) this.options.observer.wrote(key, data, cacheControl?.revalidate, startedAt);
    const body = serializeValue({ value: data, cacheControl });
    let outcome;
    try {
      outcome = await store.put(key, { startedAt, tags, body, ttlSeconds: ttlSeconds(data, ctx) }, token);
    } catch (error) {
      this.logFailure('could not store a page in the shared cache', error);
      return;
    }
    if (outcome !== 'stored') return;
    setEdgeKeys(data, tags);
    const stored: CacheHandlerValue = { lastModified: startedAt, value: data, cacheControl };
    this.options.memory.set(key, {
      data: stored,
      tags,
      size: body.length,
      generation: this.generation ?? '',
      epoch: null,
    });
    if (isPage) this.reads.noteEntry(key, data, tags);
  }

  /** The change this request renders ahead of (./render-ahead.ts), if it is such a render. */
  private async aheadOf(store: SharedStore): Promise<{ request: AheadRequest; change: PendingChange } | null> {
    const request = aheadRequest();
    const change = request ? await request.change(store) : null;
    return request && change ? { request, change } : null;
  }

  /**
   * A read in a render ahead of a change: the page itself is rendered, and its data read afresh
   * (Next asks for none in an on-demand revalidation: ./render-ahead.ts).
   */
  private async readAhead(
    request: SharedRequest,
    key: string,
    ctx: GetContext,
    isPage: boolean,
    ahead: { request: AheadRequest; change: PendingChange },
  ): Promise<CacheHandlerValue | null> {
    if (!isPage) return null;
    const check = await request.store.check([], null);
    ahead.request.starts.set(key, check.now);
    this.options.observer.missed(key, {
      tags: ahead.change.tags,
      events: ahead.change.event ? [ahead.change.event] : [],
      existed: true,
    });
    return null;
  }

  /** A page rendered ahead of a change is kept aside, for the change's apply to install. */
  private async keepAhead(
    request: SharedRequest,
    key: string,
    data: IncrementalCacheValue | null,
    ctx: SetContext,
    ahead: AheadRequest,
  ): Promise<void> {
    const startedAt = ahead.starts.get(key);
    ahead.starts.delete(key);
    if (!data || startedAt === undefined || !worthKeeping(data)) {
      this.options.observer.discarded(key);
      return;
    }
    const tags = tagsToStore(data, ctx);
    const cacheControl = 'cacheControl' in ctx ? ctx.cacheControl : undefined;
    this.options.observer.wrote(key, data, cacheControl?.revalidate, startedAt);
    const body = serializeValue({ value: data, cacheControl });
    try {
      await request.store.putAhead(ahead.token, key, { startedAt, tags, body, ttlSeconds: ttlSeconds(data, ctx) });
      ahead.kept = true;
    } catch (error) {
      this.logFailure('could not keep a page rendered ahead', error);
    }
  }

  /**
   * Next's response cache hands a render under way to every request for the same page that needs
   * one: a reader whose read missed, here, while a render ahead of the page was under way, gets
   * that render, and never reaches set() itself. Its render ends with this one, and so do its start
   * and its rebuild lock, which would otherwise keep every server's readers of the page waiting for a
   * result that never comes.
   */
  private async endJoinedRender(store: SharedStore, key: string): Promise<void> {
    const token = this.lockTokens.get(key);
    if (!token) return;
    this.lockTokens.delete(key);
    this.options.starts.take(key);
    await store.unlock(key, token).catch(() => undefined);
  }

  /** Tags Next invalidates at the end of a request that the writer had not applied already. */
  async invalidate(request: Pick<SharedRequest, 'runtime' | 'store'>, tags: readonly string[]): Promise<void> {
    try {
      await request.store.invalidate(tags, null);
    } catch (error) {
      request.runtime.resyncing = true;
      this.logFailure('could not record an invalidation in Redis', error);
    }
  }

  private async read(
    request: SharedRequest,
    key: string,
    ctx: GetContext,
    isPage: boolean,
  ): Promise<CacheHandlerValue | null> {
    const { store } = request;
    const { memory, observer } = this.options;
    let reason: MissReason = { tags: [], events: [], existed: false };

    const cached = memory.get(key);
    if (cached) {
      // Nothing invalidated anywhere since the last look (the common case) costs one tiny call; only
      // when the epoch moved are this entry's tags read.
      const tags = tagsFor(ctx, cached.tags);
      let check = await store.check([], cached.generation === this.generation ? cached.epoch : null);
      if (check.times !== null) check = await store.check(tags, null);
      this.adoptGeneration(request, check);
      if (cached.generation === check.generation) {
        const stale = check.times ? invalidatedTags(tags, check.times, cached.data.lastModified) : [];
        if (stale.length === 0) {
          cached.epoch = check.epoch;
          memory.touch(key, cached);
          return this.served(key, cached, check.now, isPage);
        }
        reason = { tags: stale, events: [], existed: true, previous: cached.data.value ?? undefined };
      }
      memory.delete(key);
    }

    const found = await this.readStored(request, key, ctx);
    if (found.entry) return this.served(key, found.entry, found.check.now, isPage);
    if (found.stale) reason = { ...found.stale, existed: true, previous: reason.previous ?? found.stale.previous };
    if (reason.tags.length > 0) reason.events = await store.eventsOf(reason.tags).catch(() => []);
    this.options.starts.note(key, found.check.now);
    if (isPage) observer.missed(key, reason);
    if (!isPage) return null;
    return this.lockOrWait(request, key, ctx);
  }

  /** Reads an entry from Redis — or, when Redis has none, from the build's prerendered files — and checks it. */
  private async readStored(
    request: SharedRequest,
    key: string,
    ctx: GetContext,
  ): Promise<{
    check: TagCheck;
    entry?: MemoryEntry;
    stale?: { tags: string[]; events: []; previous?: IncrementalCacheValue };
  }> {
    const { store } = request;
    const asked = tagsFor(ctx, []);
    const read = await store.read(key, asked);
    const stored = read.entry;
    let check = read.check;
    let tags = stored ? [...stored.tags, ...asked] : [];
    const seed = stored ? null : await this.readBuildSeed(request, key, ctx);
    if (seed) {
      tags = [...tagsFor(ctx, seed.tags)];
      check = await store.check(tags, null);
    }
    this.adoptGeneration(request, check);
    if (!stored && !seed) return { check };
    const lastModified = stored ? stored.lastModified : seed!.lastModified;
    const stale = [...new Set(invalidatedTags(tags, check.times ?? [], lastModified))];
    let data: CacheHandlerValue;
    if (stored) {
      const decoded = deserializeValue<{
        value: IncrementalCacheValue;
        cacheControl?: CacheHandlerValue['cacheControl'];
      }>(stored.body);
      data = { lastModified, value: decoded.value, cacheControl: decoded.cacheControl };
    } else {
      data = seed!.data;
    }
    if (stale.length > 0) return { check, stale: { tags: stale, events: [], previous: data.value ?? undefined } };
    const body = stored?.body ?? serializeValue({ value: data.value, cacheControl: data.cacheControl });
    if (!stored && data.value) {
      // The first server to read a prerendered page copies it to Redis for all the others.
      await store
        .put(key, { startedAt: lastModified, tags, body, ttlSeconds: MAX_TTL_SECONDS }, null)
        .catch(() => undefined);
    }
    const entry: MemoryEntry = {
      data,
      tags: stored?.tags ?? seed!.tags,
      size: body.length,
      generation: check.generation,
      epoch: check.epoch,
    };
    this.options.memory.set(key, entry);
    return { check, entry };
  }

  /**
   * A prerendered page (or build-time data) as `next build` wrote it, no newer than the build's
   * start; no page when the build was made for another site (./build-site.ts).
   */
  private async readBuildSeed(
    request: SharedRequest,
    key: string,
    ctx: GetContext,
  ): Promise<{ data: CacheHandlerValue; tags: string[]; lastModified: number } | null> {
    if (!request.runtime.buildPages.usable && PAGE_KINDS.has(ctx.kind)) return null;
    const data = await request.files.get(key, ctx).catch(() => null);
    if (!data?.value) return null;
    const started = this.readBuildStart(request.serverDistDir);
    const lastModified = started === null ? data.lastModified : Math.min(data.lastModified, started);
    const tags = data.value.kind === 'FETCH' ? (data.value.tags ?? []) : entryTags(data.value);
    return { data: { ...data, lastModified }, tags, lastModified };
  }

  private served(key: string, entry: MemoryEntry, now: number, isPage: boolean): CacheHandlerValue {
    const { data } = entry;
    // Past its lifetime Next serves it and renders again in the background: that render's start.
    // A render Next starts for a reason of its own (its in-process tag manifest) finds no start
    // and is not stored, so every entry's stamp is a time its render had truly begun by.
    if (pastLifetime(data, now)) this.options.starts.note(key, now);
    if (isPage && data.value) {
      this.options.observer.served(key, data.value, data.lastModified, revalidateOf(data), now);
      noteServedPage(entry);
      this.reads.noteEntry(key, data.value, entry.tags);
    }
    return data;
  }

  /** One rebuild per page across servers: take the lock and render, or wait for the holder's result. */
  private async lockOrWait(request: SharedRequest, key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
    const { store } = request;
    // A render that fails never reaches set(), so its lock is held until it expires. While the
    // database is down every render fails, here and on the lock's holder: waiting for the holder
    // would only hold each visitor's 503 back by REBUILD_LOCK_WAIT_MS, and, once the database is
    // back, the first visitor's page too (the state clears with this render's first query).
    if (this.options.databaseUnreachable()) return null;
    const deadline = Date.now() + this.options.lockWaitMs;
    for (;;) {
      const token = await store.lock(key, LOCK_TTL_MS);
      if (token) {
        this.lockTokens.set(key, token);
        return null;
      }
      // Polling a small key: the wait is bounded and short, and a server that died holding the lock
      // publishes nothing, so there is no event that covers every case.
      while (Date.now() < deadline && (await store.isLocked(key)))
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      if (Date.now() >= deadline) return null;
      const found = await this.readStored(request, key, ctx);
      if (found.entry) {
        this.options.starts.take(key);
        if (found.entry.data.value) {
          this.options.observer.avoided(key, found.entry.data.value);
          noteServedPage(found.entry);
        }
        return found.entry.data;
      }
    }
  }

  private adoptGeneration(request: SharedRequest, check: TagCheck): void {
    if (this.generation === check.generation) return;
    // Redis lost its data (or this is the first check): nothing remembered in memory can be trusted.
    if (this.generation !== null) {
      this.options.memory.clear();
      request.runtime.resyncing = true;
      void request.runtime.resync();
    }
    this.generation = check.generation;
  }

  private readBuildStart(serverDistDir: string | undefined): number | null {
    if (this.buildStart !== undefined) return this.buildStart;
    const file = path.join(serverDistDir ?? '', '..', 'freshpress-build-start');
    const at = existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
    this.buildStart = Number.isFinite(at) ? at : null;
    return this.buildStart;
  }

  private logFailure(what: string, error: unknown): void {
    // One line per ten seconds: during an outage every request would log otherwise.
    if (Date.now() - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = Date.now();
    console.warn(`[cache] ${what} (${describeError(error)}); rendering from the database`);
  }
}
