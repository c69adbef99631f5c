import 'server-only';
import { revalidateTag, updateTag } from 'next/cache';
import type { Executor } from '@/db/client';
import type { InvalidationEvent } from '@/db/schema';
import { effectiveInvalidation } from '@/lib/core/cache-tags';
import { pageCacheRuntime } from '@/lib/page-cache/runtime';
import { commitInvalidation } from './commit';

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
 * Every content write: the change and its invalidation commit and are applied through the one path
 * (./commit.ts), under the invalidation strategy; then Next's own bookkeeping is told.
 */
export async function writeContent<T>(
  work: (tx: Executor) => Promise<{ result: T; change: ContentChange | null }>,
  context: WriteContext,
): Promise<{ result: T; invalidated: string[] }> {
  const runtime = pageCacheRuntime();
  const { result, recorded, appliedAt } = await commitInvalidation(async (tx) => {
    const { result, change } = await work(tx);
    return { result, invalidation: change && effectiveInvalidation(change.tags, change.event) };
  }, runtime);
  if (!recorded) return { result, invalidated: [] };
  if (runtime && appliedAt) {
    // Next applies these again at the end of the request (the handler's revalidateTag): it must
    // know they are applied already, and since when (lib/page-cache/handler.ts).
    const at = appliedAt.getTime();
    for (const tag of recorded.tags)
      runtime.appliedAhead.set(tag, { count: (runtime.appliedAhead.get(tag)?.count ?? 0) + 1, at });
  }
  for (const tag of recorded.tags) {
    if (context === 'server-action') updateTag(tag);
    else revalidateTag(tag, { expire: 0 });
  }
  return { result, invalidated: recorded.tags };
}
