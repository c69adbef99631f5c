import type { Executor } from '@/db/client';
import { markApplied, writeWithInvalidation, type RecordedInvalidation } from '@/db/outbox';
import type { InvalidationEvent } from '@/db/schema';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { renderAhead } from '@/lib/page-cache/render-ahead';
import { pageCacheRuntime, type PageCacheRuntime } from '@/lib/page-cache/runtime';
import { getRecorder } from '@/lib/stats/runtime';
import { applyInvalidations } from './apply';

/*
 * The one path of every invalidation: commit the change and its invalidation together (the outbox,
 * db/outbox.ts), record it in the statistics, apply it to this process's page cache and the edge,
 * then mark it applied. A crash or an outage anywhere after the commit leaves the row unapplied,
 * and the sweep (./sweep.ts) applies it, so no page stays stale. The writers
 * (./write-content.ts) and scheduled publication (lib/posts/scheduled-publication.ts) both come here.
 */

export interface Invalidation {
  tags: string[];
  event: InvalidationEvent;
}

export interface Committed<T> {
  result: T;
  /** The invalidation recorded with the change; null when it changed nothing a visitor sees. */
  recorded: RecordedInvalidation | null;
  /** When it was applied to this process's cache; null when it was not (no server, Redis down: the sweep will). */
  appliedAt: Date | null;
}

export async function commitInvalidation<T>(
  work: (tx: Executor) => Promise<{ result: T; invalidation: Invalidation | null }>,
  runtime: PageCacheRuntime | null = pageCacheRuntime(),
): Promise<Committed<T>> {
  const { result, recorded } = await writeWithInvalidation(work);
  if (!recorded) return { result, recorded, appliedAt: null };
  if (config.FRESHPRESS_FAULT === 'crash-after-commit') process.kill(process.pid, 'SIGKILL');
  // Before the tags expire, so the rebuilds they cause can be explained by this event.
  getRecorder().recordInvalidation(recorded.tags, recorded.event);
  // The pages that depend on it, rendered before it is visible, go live with it: no reader waits.
  const ahead = runtime ? await renderAhead(runtime, recorded.tags, recorded.event) : null;
  const appliedAt = runtime ? await applyInvalidations(runtime, [recorded], ahead) : null;
  // Failing to mark it only means the sweep applies it once more: harmless.
  if (appliedAt)
    await markApplied([recorded.id], appliedAt).catch((error: unknown) =>
      console.warn('[cache] could not mark an invalidation applied', redactError(error)),
    );
  return { result, recorded, appliedAt };
}
