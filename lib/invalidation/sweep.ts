import { latestInvalidationPerTag, pruneApplied, sweepUnapplied, type RecordedInvalidation } from '@/db/outbox';
import { config } from '@/lib/core/config';
import { describeError } from '@/lib/core/redis-connection';
import type { PageCacheRuntime } from '@/lib/page-cache/runtime';
import { applyInvalidations, expireInManifest } from './apply';

/*
 * The outbox's other half: whatever a crash or an outage left unapplied is applied here. At start,
 * before the server serves anything, the cache learns every invalidation made before it — the rows
 * left unapplied, and, in local mode, every recent one, since Next's tag manifest is a Map that a
 * restart empties while the file cache on disk stays. Then every INVALIDATION_SWEEP_MS, and at once
 * whenever Redis comes back (the runtime's `resync`, which the page cache calls).
 */

/** No cache entry lives longer than Next's default `expireTime` (a year): older history is moot. */
const HISTORY_MS = 366 * 86_400_000;
/**
 * A row younger than this is being applied by the request that wrote it, which first renders its
 * pages ahead for up to RENDER_AHEAD_MS (lib/page-cache/render-ahead.ts). A sweep that applied it
 * sooner would mark its tags without those pages, and readers would wait for renders the writer
 * was about to install: under load, when a render ahead took over a second, they did.
 */
const SWEEP_GRACE_MS = config.RENDER_AHEAD_MS + 2000;
const SWEEP_BATCH = 500;

export interface InvalidationSweep {
  stop(): void;
}

/** Resolves once the cache has caught up with the outbox; then keeps it caught up. */
export async function startInvalidationSweep(runtime: PageCacheRuntime): Promise<InvalidationSweep> {
  let resyncing: Promise<void> | null = null;
  runtime.resync = () => {
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
        if (runtime.mode === 'shared') runtime.resyncing = failed || !(runtime.store?.isReady ?? false);
      } catch (error) {
        console.warn(`[cache] could not apply the pending invalidations (${describeError(error)}); retrying`);
      } finally {
        resyncing = null;
      }
    })();
    return resyncing;
  };

  if (runtime.mode === 'local') {
    const latest = await latestInvalidationPerTag(new Date(Date.now() - HISTORY_MS), Date.now());
    for (const [tag, at] of latest) expireInManifest(runtime.tagsManifest, tag, at);
  }
  await runtime.resync();
  await pruneApplied(new Date(Date.now() - HISTORY_MS)).catch(() => undefined);

  const timer = setInterval(() => {
    if (runtime.resyncing) void runtime.resync();
    else
      void sweepUnapplied(SWEEP_GRACE_MS, SWEEP_BATCH, (rows) => applyInvalidations(runtime, rows)).catch(
        () => undefined,
      );
  }, config.INVALIDATION_SWEEP_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
