import { claimDuePublications, nextPublicationDue } from '@/db/scheduled';
import { tagsInUseElsewhere } from '@/db/tags-in-use';
import { effectiveInvalidation, tagsForPostChange } from '@/lib/core/cache-tags';
import { processSlot } from '@/lib/core/process-singleton';
import { describeError } from '@/lib/core/redis-connection';
import { commitInvalidation } from '@/lib/invalidation/commit';
import type { PageCacheRuntime } from '@/lib/page-cache/runtime';

/*
 * Scheduled publication: a post published with a future time is on no page until that time
 * (db/reads.ts), so at that time the pages it joins must be invalidated, with no visitor or write
 * to trigger it. Each server process keeps one timer armed for the next due time; whichever
 * process claims a due post first (db/scheduled.ts) records and applies its invalidation through
 * the one path of every write (lib/invalidation/commit.ts), so it survives a crash and reaches
 * every server. At start anything that came due while no server ran is announced at once.
 *
 * The timer is re-armed after each post write in this process (`rearmPublicationTimer`), and
 * looked up again every POLL_MS for writes made by other processes or hosts.
 */

const POLL_MS = 30_000;
// A timer fired by a clock a little ahead of the database's finds nothing due yet: retry soon.
const EARLY_RETRY_MS = 250;
// setTimeout fires at once for a delay beyond a signed 32-bit millisecond count.
const MAX_DELAY_MS = 2 ** 31 - 1;

const timerSlot = processSlot<{ rearm(): void }>('publicationTimer');

/** Posts named one by one in an event; an import that came due at once is counted, with a sample. */
const NAMED_PUBLICATIONS = 5;

function describePublications(due: readonly { id: number; title: string }[]): string {
  if (due.length === 1) return `post ${due[0]!.id} published at its scheduled time: “${due[0]!.title}”`;
  const named = due.slice(0, NAMED_PUBLICATIONS).map((post) => `post ${post.id} “${post.title}”`);
  const more = due.length - named.length;
  return `${due.length.toLocaleString('en')} posts published at their scheduled time: ${named.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en')} more` : ''}`;
}

/** Announces every due publication in one outbox row; returns how many posts it announced. */
export async function announceDuePublications(runtime: PageCacheRuntime | null): Promise<number> {
  const { result: due } = await commitInvalidation(async (tx) => {
    const due = await claimDuePublications(tx);
    if (due.length === 0) return { result: due, invalidation: null };
    // A tag comes into use if no published post but these carries it.
    const names = [...new Set(due.flatMap((post) => post.tags))].sort();
    const elsewhere = await tagsInUseElsewhere(
      tx,
      due.map((post) => post.id),
      names,
      true,
    );
    const tagsInUseChanged = names.some((name) => !elsewhere.has(name));
    const changed = due.flatMap((post) =>
      tagsForPostChange({
        id: post.id,
        slugs: [post.slug],
        listChanged: true,
        tagNames: post.tags,
        tagsInUseChanged,
        entered: { tagNames: post.tags, publishedAt: post.publishedAt },
      }),
    );
    return {
      result: due,
      invalidation: effectiveInvalidation(changed, {
        kind: 'post-published',
        ...(due.length === 1 && { postId: due[0]!.id }),
        description: describePublications(due),
      }),
    };
  }, runtime);
  return due.length;
}

export interface PublicationTimer {
  stop(): void;
}

/** Resolves once what is already due has been announced: a server starts with nothing overdue. */
export async function startPublicationTimer(runtime: PageCacheRuntime | null): Promise<PublicationTimer> {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const arm = (delayMs: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void cycle(), Math.min(Math.max(delayMs, 0), MAX_DELAY_MS, POLL_MS));
    timer.unref();
  };

  // One cycle at a time: a re-arm during a claim waits for it rather than racing it.
  const cycle = () =>
    (running = running.then(async () => {
      if (stopped) return;
      try {
        await announceDuePublications(runtime);
        const next = await nextPublicationDue();
        const delay = next === null ? POLL_MS : next.getTime() - Date.now();
        arm(delay <= 0 ? EARLY_RETRY_MS : delay);
      } catch (error) {
        console.warn(`[schedule] could not announce due publications (${describeError(error)}); retrying`);
        arm(POLL_MS);
      }
    }));

  timerSlot.set({ rearm: () => void cycle() });
  await cycle();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timerSlot.set(null);
    },
  };
}

/** After a post write: its publication time may be the next one due. */
export function rearmPublicationTimer(): void {
  timerSlot.get()?.rearm();
}
