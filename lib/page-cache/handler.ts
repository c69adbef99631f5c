import { databaseUnreachable } from '@/db/outage';
import { config } from '@/lib/core/config';
import type { StatsRecorder } from '@/lib/stats/recorder';
import { getRecorder } from '@/lib/stats/runtime';
import { LocalMode } from './local-mode';
import { MemoryTier } from './memory-tier';
import {
  FileSystemCache,
  PAGE_KINDS,
  type CacheHandlerContext,
  type CacheHandlerValue,
  type GetContext,
  type IncrementalCacheValue,
  type NextCacheHandler,
  type SetContext,
} from './next-internals';
import { RebuildObserver } from './rebuilds';
import { RenderStarts } from './render-starts';
import { pageCacheRuntime, type PageCacheRuntime } from './runtime';
import { SharedMode, type SharedRequest } from './shared-mode';

/*
 * Next's `cacheHandler` for pages (APP_PAGE, APP_ROUTE) and `unstable_cache` data (FETCH): shared
 * in Redis behind a memory tier (./shared-mode.ts), or Next's own file cache made durable
 * (./local-mode.ts), whichever the server set up (./setup.ts). In both, a render that started
 * before an invalidation of one of its tags is not stored: its result may hold the old content.
 *
 * Next constructs the class per request (./next-internals.ts lists what this relies on), so the
 * state lives in the factory's closure: one per process, since Next loads the handler once.
 * Built to .freshpress/cache-handler.mjs by server/build.ts; next.config.ts points Next at it.
 */

export interface PageCacheHandlerOptions {
  /** The process's page cache as the server set it up; null without it (`next build`, `next dev`). */
  runtime: () => PageCacheRuntime | null;
  memoryBytes: number;
  lockWaitMs: number;
  recorder: () => StatsRecorder;
  databaseUnreachable: () => boolean;
  /** Next's file cache for a request's context. */
  fileCache?: (ctx: CacheHandlerContext) => NextCacheHandler;
}

export type PageCacheHandlerClass = new (ctx: CacheHandlerContext) => NextCacheHandler;

export function createPageCacheHandler(options: PageCacheHandlerOptions): PageCacheHandlerClass {
  const starts = new RenderStarts();
  const observer = new RebuildObserver(options.recorder);
  const shared = new SharedMode({
    memory: new MemoryTier(options.memoryBytes),
    starts,
    observer,
    lockWaitMs: options.lockWaitMs,
    databaseUnreachable: options.databaseUnreachable,
  });
  const local = new LocalMode({ starts, observer });
  const fileCache = options.fileCache ?? ((ctx: CacheHandlerContext) => new FileSystemCache(ctx));

  return class PageCacheHandler implements NextCacheHandler {
    private readonly files: NextCacheHandler;
    private readonly runtime: PageCacheRuntime | null;
    private readonly serverDistDir: string | undefined;

    constructor(ctx: CacheHandlerContext) {
      this.runtime = options.runtime();
      // Shared mode reads only the build's files through it, once per page, and keeps them in its own
      // memory tier: a second in-memory copy (Next's, 50 MB by default) would only double the memory.
      this.files = fileCache(this.runtime?.mode === 'shared' ? { ...ctx, maxMemoryCacheSize: 0 } : ctx);
      this.serverDistDir = ctx.serverDistDir;
      observer.serverDistDir ??= ctx.serverDistDir;
    }

    private get shared(): SharedRequest | null {
      const { runtime } = this;
      if (runtime?.mode !== 'shared' || !runtime.store) return null;
      return { runtime, store: runtime.store, files: this.files, serverDistDir: this.serverDistDir };
    }

    async get(key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
      const request = this.shared;
      if (!request) return local.get(this.files, key, ctx, this.runtime?.buildPages);
      return shared.get(request, key, ctx, PAGE_KINDS.has(ctx.kind));
    }

    async set(key: string, data: IncrementalCacheValue | null, ctx: SetContext): Promise<void> {
      const request = this.shared;
      if (!request) return local.set(this.files, this.runtime?.tagsManifest ?? null, key, data, ctx);
      return shared.set(request, key, data, ctx, data !== null && PAGE_KINDS.has(data.kind));
    }

    async revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void> {
      const list = typeof tags === 'string' ? [tags] : tags;
      const runtime = this.runtime;
      options.recorder().noteTagsExpired(list);
      if (!runtime) return this.files.revalidateTag(list, durations);
      if (runtime.mode === 'shared') {
        // Next has just stamped these in its in-process manifest with this host's clock. Redis is the
        // judge of freshness here; a second judge with another clock would make Next re-render, and
        // never store, an entry Redis holds to be fresh.
        for (const tag of list) runtime.tagsManifest.delete(tag);
      }
      const rest = notAppliedAhead(runtime, list);
      if (rest.length === 0) return;
      const request = this.shared;
      if (request) return shared.invalidate(request, rest);
      await this.files.revalidateTag(rest, durations);
    }

    resetRequestCache(): void {
      this.files.resetRequestCache();
    }
  };
}

/**
 * The writer applied its tags right after its commit (lib/invalidation/write-content.ts); Next
 * applies them again at the end of the request, and has just stamped its own manifest with that
 * later time. The change was visible from the writer's apply on, so renders since then stay fresh:
 * only the tags no writer applied ahead are new.
 */
function notAppliedAhead(runtime: PageCacheRuntime, list: readonly string[]): string[] {
  return list.filter((tag) => {
    const ahead = runtime.appliedAhead.get(tag);
    if (!ahead) return true;
    if (ahead.count === 1) runtime.appliedAhead.delete(tag);
    else runtime.appliedAhead.set(tag, { ...ahead, count: ahead.count - 1 });
    const entry = runtime.tagsManifest.get(tag);
    if ((entry?.expired ?? 0) > ahead.at) runtime.tagsManifest.set(tag, { ...entry, expired: ahead.at });
    return false;
  });
}

export default createPageCacheHandler({
  runtime: pageCacheRuntime,
  memoryBytes: config.PAGE_CACHE_MEMORY_MB * 1024 * 1024,
  lockWaitMs: config.REBUILD_LOCK_WAIT_MS,
  recorder: getRecorder,
  databaseUnreachable,
});
