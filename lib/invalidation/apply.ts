import type { RecordedInvalidation } from '@/db/outbox';
import { edgePurger } from '@/lib/edge/edge-purge';
import { describeError } from '@/lib/core/redis-connection';
import { noteInstalled, type RenderedAhead } from '@/lib/page-cache/render-ahead';
import type { PageCacheRuntime, TagManifestEntry } from '@/lib/page-cache/runtime';
import { warmAfterInvalidation } from '@/lib/page-cache/warming';
import { tags as contentTags } from '@/lib/core/cache-tags';
import { config } from '@/lib/core/config';
import { INVALIDATE_BATCH } from '@/lib/page-cache/store';

/*
 * Applying an invalidation to this process's page cache: the shared store's tag records in shared
 * mode, Next's in-process tag manifest in local mode; then to the caching tier in front, if one is
 * purged (lib/edge/purger.ts); then the pages read lately that depend on it are warmed
 * (lib/page-cache/warming.ts). The writer that made the change applies it right after its commit;
 * the outbox sweep applies whatever a crash or an outage left behind.
 */

/** Marks `tag` expired at `at` unless a later expiry is already recorded. */
export function expireInManifest(manifest: Map<string, TagManifestEntry>, tag: string, at: number): void {
  const entry = manifest.get(tag);
  if ((entry?.expired ?? 0) >= at) return;
  manifest.set(tag, { ...entry, expired: at });
}

/**
 * Returns when the rows were applied, or null when they could not be (they stay in the outbox).
 * `ahead`: the pages rendered ahead of the one row a writer applies (lib/page-cache/render-ahead.ts),
 * installed with it.
 */
export async function applyInvalidations(
  runtime: PageCacheRuntime,
  rows: readonly RecordedInvalidation[],
  ahead: RenderedAhead | null = null,
): Promise<Date | null> {
  if (rows.length === 0) return new Date();
  const { appliedAt, installed } = await applyToPageCache(runtime, rows, rows.length === 1 ? ahead : null);
  noteInstalled(installed);
  // After this server's cache is current, so the edge's refetch gets the new page; and even when
  // it could not be (Redis down), since the server then renders from the database.
  // The union of many rows (the sweep applies up to hundreds at once) is purged and warmed as the
  // whole site past one batch of tags: a superset, and bounded work for the edge and Redis.
  const unique = [...new Set(rows.flatMap((row) => row.tags))];
  const tags = unique.length > INVALIDATE_BATCH ? [contentTags.everything] : unique;
  await edgePurger()?.purge(tags);
  // Last, so a warm-up through the edge finds it purged; in the background: nobody waits for it.
  // Pages installed with the change need no render, only the edge's refill when there is one.
  const done = ahead && installed === ahead.pages.length && config.EDGE === 'none' ? ahead.pages : [];
  if (appliedAt) void warmAfterInvalidation(runtime, tags, new Set(done));
  return appliedAt;
}

/** A test's fault: the process dies between two batches of a change (tests/e2e/bulk.spec.ts). */
const crashMidApply =
  config.FRESHPRESS_FAULT === 'crash-mid-apply' ? () => process.kill(process.pid, 'SIGKILL') : undefined;

async function applyToPageCache(
  runtime: PageCacheRuntime,
  rows: readonly RecordedInvalidation[],
  ahead: RenderedAhead | null,
): Promise<{ appliedAt: Date | null; installed: number }> {
  if (runtime.mode === 'shared' && runtime.store) {
    const store = runtime.store;
    try {
      let installed = 0;
      for (const row of rows)
        installed += (await store.applyChange(row.tags, row.event, ahead?.token ?? null, crashMidApply)).installed;
      runtime.applyFailure = null;
      return { appliedAt: new Date(), installed };
    } catch (error) {
      if (ahead) void store.dropChange(ahead.token).catch(() => undefined);
      // Until the outbox reaches Redis, a cached copy could be one these rows invalidate.
      runtime.resyncing = true;
      runtime.applyFailure = { at: runtime.applyFailure?.at ?? Date.now(), error: describeError(error) };
      console.warn(
        `[cache] could not record an invalidation in Redis (${describeError(error)}); pages render from the database ` +
          `until it is applied. It stays in the database and is applied again every ${config.INVALIDATION_SWEEP_MS} ms ` +
          `(INVALIDATION_SWEEP_MS): check that Redis answers (REDIS_URL) and accepts writes (memory, maxmemory policy); ` +
          `/api/health shows the backlog.`,
      );
      return { appliedAt: null, installed: 0 };
    }
  }
  const now = Date.now();
  for (const row of rows) for (const tag of row.tags) expireInManifest(runtime.tagsManifest, tag, now);
  return { appliedAt: new Date(now), installed: 0 };
}
