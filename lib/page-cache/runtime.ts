import { processSlot } from '@/lib/core/process-singleton';
import type { TagManifestEntry } from './next-internals';
import type { SharedStore } from './store';

/*
 * The page cache of this process, as the production server set it up (lib/page-cache/setup.ts).
 * The server, the cache handler (loaded by Next from its own bundle) and the app's writers are
 * separate copies of this code in one process, so the state lives on globalThis under a registered
 * symbol. Without a production server (`next build`, `next dev`) there is none: the handler runs
 * on Next's own cache and the writers leave the outbox to the next server start.
 */

export type PageCacheMode = 'shared' | 'local';

/** Next's in-process tag manifest entry, as its own module types it. */
export type { TagManifestEntry };

export interface PageCacheRuntime {
  mode: PageCacheMode;
  /** Where the build is: local mode's file cache lives under it. */
  distDir: string;
  /** Next's build id: shared entries are scoped to it. */
  buildId: string;
  /** Shared mode: the Redis store every server reads and writes. */
  store: SharedStore | null;
  /** The Map Next's own caches check entries against; local mode keeps it durable through the outbox. */
  tagsManifest: Map<string, TagManifestEntry>;
  /**
   * Shared mode: true while invalidations may be missing from Redis (it was unreachable when one
   * was made, or it came back empty): nothing is served from the cache until the outbox is applied.
   */
  resyncing: boolean;
  /** The last time applying an invalidation to the cache failed, and why; cleared by the next success. */
  applyFailure?: { at: number; error: string } | null;
  /**
   * Tags this process's writers already applied after their commit (how many times, and when, on
   * this host's clock), which Next applies again at the end of the request: to its own tag
   * manifest, and through the handler's revalidateTag. Taking that later time would expire the
   * pages rendered in between, which already show the change.
   */
  appliedAhead: Map<string, { count: number; at: number }>;
  /**
   * Whether the pages `next build` prerendered were made for this site (./build-site.ts); when not,
   * every page is rendered afresh on its first request. Local mode: the time from which the file
   * cache's pages are this process's own.
   */
  buildPages: { usable: boolean; ownSince: number };
  /** Applies unapplied outbox rows now (start-up, after an outage); resolves when done or failed. */
  resync(): Promise<void>;
}

const slot = processSlot<PageCacheRuntime>('pageCache.runtime');

export function pageCacheRuntime(): PageCacheRuntime | null {
  return slot.get();
}

export function setPageCacheRuntime(runtime: PageCacheRuntime | null): void {
  slot.set(runtime);
}
