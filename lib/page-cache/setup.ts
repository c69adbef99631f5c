import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cachePrefix, config } from '@/lib/core/config';
import { describeError } from '@/lib/core/redis-connection';
import { checkBuildSite, siteOf } from './build-site';
import { tagsManifest } from './next-internals';
import { setPageCacheRuntime, type PageCacheMode, type PageCacheRuntime } from './runtime';
import { SharedStore } from './store';

/*
 * Sets up the page cache of a production server process before Next serves anything: shared in
 * Redis, or Next's local file cache. The server then has it catch up with the outbox
 * (lib/invalidation/sweep.ts) before the first read.
 */

export interface PageCacheHandle {
  runtime: PageCacheRuntime;
  /** One line for the start-up log. */
  description: string;
  close(): Promise<void>;
}

export function readBuildId(distDir: string): string {
  return readFileSync(path.join(distDir, 'BUILD_ID'), 'utf8').trim();
}

export type PageCacheSetting = PageCacheMode | 'auto';

export async function startPageCache(options: { distDir: string; mode?: PageCacheSetting }): Promise<PageCacheHandle> {
  const wanted = options.mode ?? config.PAGE_CACHE;
  const buildId = readBuildId(options.distDir);
  let store: SharedStore | null = null;
  // Redis's connection events reach the runtime made below, once it exists.
  const hooks = { lost: () => {}, ready: () => {} };

  if (wanted !== 'local') {
    store = new SharedStore({
      url: config.REDIS_URL,
      prefix: cachePrefix,
      buildId,
      commandTimeoutMs: config.PAGE_CACHE_TIMEOUT_MS,
      onLost: () => hooks.lost(),
      onReady: () => hooks.ready(),
    });
    try {
      await store.connected();
    } catch (error) {
      if (wanted === 'auto') {
        await store.close();
        store = null;
        console.warn(`[cache] Redis is unreachable (${describeError(error)}): one process on Next's own file cache`);
      }
      // PAGE_CACHE=shared: keep trying in the background; pages render from the database meanwhile.
    }
  }

  const buildSite = checkBuildSite(options.distDir, siteOf(config));
  if (buildSite.notice && config.FRESHPRESS_PROCESS_INDEX === 0) console.warn(`[freshpress] ${buildSite.notice}`);
  const runtime: PageCacheRuntime = {
    mode: store ? 'shared' : 'local',
    distDir: options.distDir,
    buildId,
    store,
    tagsManifest,
    resyncing: store !== null,
    appliedAhead: new Map(),
    buildPages: { usable: buildSite.usable, ownSince: Date.now() },
    // Until the outbox sweep takes over (lib/invalidation/sweep.ts), nothing can be applied.
    resync: async () => {},
  };
  hooks.lost = () => {
    runtime.resyncing = true;
  };
  hooks.ready = () => void runtime.resync();
  setPageCacheRuntime(runtime);

  return {
    runtime,
    description:
      runtime.mode === 'shared'
        ? `page cache shared in Redis (${cachePrefix}, build ${buildId})`
        : "page cache local to this process (Next's file cache; invalidations kept in PostgreSQL)",
    async close() {
      await store?.close();
      setPageCacheRuntime(null);
    },
  };
}
