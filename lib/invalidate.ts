import 'server-only';
import { revalidateTag, updateTag } from 'next/cache';
import type { Executor } from '@/db/client';
import { markApplied, writeWithInvalidation, type RecordedInvalidation } from '@/db/outbox';
import { effectiveTags } from './cache-tags';
import { config } from './config';
import { applyInvalidations } from './page-cache/apply';
import { pageCacheRuntime } from './page-cache/runtime';
import { getRecorder } from './stats/runtime';
import type { InvalidationEvent } from './stats/types';

/**
 * Where the write happened decides the API: in a server action `updateTag` expires the entries and
 * lets the action's own response read the new data (the poster sees their comment); elsewhere
 * (route handlers) only `revalidateTag` is allowed, with `expire: 0` so no reader is served stale.
 */
export type WriteContext = 'server-action' | 'route-handler';

/** What a write changed that a visitor can see: the tags it invalidates and why. */
export interface ContentChange {
  tags: readonly string[];
  event: InvalidationEvent;
}

/**
 * The one path of every content write: the change and its invalidation commit together (the
 * outbox, db/outbox.ts), then the invalidation is applied. A crash between the two leaves the row
 * unapplied, and the next server start or sweep applies it, so no page stays stale.
 */
export async function writeContent<T>(
  work: (tx: Executor) => Promise<{ result: T; change: ContentChange | null }>,
  context: WriteContext,
): Promise<{ result: T; invalidated: string[] }> {
  const { result, recorded } = await writeWithInvalidation(async (tx) => {
    const { result, change } = await work(tx);
    if (!change) return { result, invalidation: null };
    return { result, invalidation: { tags: effectiveTags(change.tags), event: change.event } };
  });
  if (recorded && config.FRESHPRESS_FAULT === 'crash-after-commit') process.kill(process.pid, 'SIGKILL');
  return { result, invalidated: recorded ? await invalidate(recorded, context) : [] };
}

/** Applies a committed invalidation: to the page cache at once, then to Next's own bookkeeping. */
async function invalidate(recorded: RecordedInvalidation, context: WriteContext): Promise<string[]> {
  // Before the tags expire, so the rebuilds they cause can be explained by this event.
  getRecorder().recordInvalidation(recorded.tags, recorded.event);
  const runtime = pageCacheRuntime();
  if (runtime) {
    const appliedAt = await applyInvalidations(runtime, [recorded]);
    if (appliedAt) {
      const at = Date.now();
      for (const tag of recorded.tags) runtime.appliedAhead.set(tag, { count: (runtime.appliedAhead.get(tag)?.count ?? 0) + 1, at });
      // Failing to mark it only means the sweep applies it once more: harmless.
      await markApplied([recorded.id], appliedAt).catch((error: unknown) => console.warn('[cache] could not mark an invalidation applied', error));
    }
  }
  for (const tag of recorded.tags) {
    if (context === 'server-action') updateTag(tag);
    else revalidateTag(tag, { expire: 0 });
  }
  return recorded.tags;
}
