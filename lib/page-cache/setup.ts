import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tagsManifest } from 'next/dist/server/lib/incremental-cache/tags-manifest.external.js';
import { latestInvalidationPerTag, pruneApplied, sweepUnapplied, type RecordedInvalidation } from '@/db/outbox';
import { cachePrefix, config } from '@/lib/config';
import { describeError } from '@/lib/redis-connection';
import { applyInvalidations, expireInManifest } from './apply';
import { setPageCacheRuntime, type PageCacheMode, type PageCacheRuntime } from './runtime';
import { SharedStore } from './store';

/*
 * Sets up the page cache of a production server process before Next serves anything: which cache
 * (shared in Redis, or Next's local file cache), and the invalidations it must know before the first
 * read — those a crash left unapplied, and, in local mode, every recent one, since Next's tag
 * manifest is a Map that a restart empties while the file cache on disk stays.
 */

/** No cache entry lives longer than Next's default `expireTime` (a year): older history is moot. */
const HISTORY_MS = 366 * 86_400_000;
/** A row younger than this is being applied by the request that wrote it. */
const SWEEP_GRACE_MS = 1000;
const SWEEP_BATCH = 500;

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

  let resyncing: Promise<void> | null = null;
  const runtime: PageCacheRuntime = {
    mode: store ? 'shared' : 'local',
    distDir: options.distDir,
    buildId,
    store,
    tagsManifest,
    resyncing: store !== null,
    appliedAhead: new Map(),
    resync() {
      resyncing ??= (async () => {
        let failed = false;
        const apply = async (rows: RecordedInvalidation[]) => {
          const at = await applyInvalidations(runtime, rows);
          failed ||= at === null;
          return at;
        };
        try {
          // Every unapplied row, however young: this server serves nothing from the cache until done.
          while (!failed && (await sweepUnapplied(0, SWEEP_BATCH, apply)) === SWEEP_BATCH);
          if (runtime.mode === 'shared') runtime.resyncing = failed || !(store?.isReady ?? false);
        } catch (error) {
          console.warn(`[cache] could not apply the pending invalidations (${describeError(error)}); retrying`);
        } finally {
          resyncing = null;
        }
      })();
      return resyncing;
    },
  };
  hooks.lost = () => {
    runtime.resyncing = true;
  };
  hooks.ready = () => void runtime.resync();
  setPageCacheRuntime(runtime);

  if (runtime.mode === 'local') {
    const latest = await latestInvalidationPerTag(new Date(Date.now() - HISTORY_MS), Date.now());
    for (const [tag, at] of latest) expireInManifest(tagsManifest, tag, at);
  }
  await runtime.resync();
  await pruneApplied(new Date(Date.now() - HISTORY_MS)).catch(() => undefined);

  const sweep = setInterval(() => {
    if (runtime.resyncing) void runtime.resync();
    else void sweepUnapplied(SWEEP_GRACE_MS, SWEEP_BATCH, (rows) => applyInvalidations(runtime, rows)).catch(() => undefined);
  }, config.INVALIDATION_SWEEP_MS);
  sweep.unref();

  return {
    runtime,
    description:
      runtime.mode === 'shared'
        ? `page cache shared in Redis (${cachePrefix}, build ${buildId})`
        : "page cache local to this process (Next's file cache; invalidations kept in PostgreSQL)",
    async close() {
      clearInterval(sweep);
      await store?.close();
      setPageCacheRuntime(null);
    },
  };
}
