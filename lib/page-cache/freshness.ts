import { manifestRefuses } from './next-internals';
import type { PageCacheRuntime } from './runtime';
import type { ServedEntry } from './served-entry';
import type { SharedStore } from './store';

/*
 * Whether an entry served before may be served again now, for the fast path in front of Next
 * (server/fast-path.ts): nothing it depends on invalidated, by any process, since the entry was
 * made, judged after the request arrived; and not past its lifetime (Next would serve it stale and
 * render it again).
 *
 * In shared mode the judge is Redis. Requests that arrive together share one check, issued after
 * they all arrived: a request that arrives while a check is on its way waits for the next one, so
 * every answer reflects every invalidation made before its request came in (linearizable), with
 * one round trip per burst instead of one per request. The check returns the epoch, which every
 * invalidation bumps: an entry last found fresh at that epoch is still fresh. Entries found fresh at
 * an older epoch have their tags read in one second call.
 *
 * In local mode the judge is Next's in-process tag manifest, which the same checks read.
 */

export type Verdict = 'fresh' | 'stale' | 'unsure';

/** More tags than this in one burst's second call: the rest go to Next, which checks them itself. */
const MAX_TAGS_PER_CHECK = 2000;

interface Waiting {
  entry: ServedEntry;
  resolve: (verdict: Verdict) => void;
}

const pastLifetime = (entry: ServedEntry, now: number) =>
  entry.revalidate !== null && entry.lastModified + entry.revalidate * 1000 < now;

export class FreshnessChecks {
  private waiting: Waiting[] = [];
  private checking = false;
  /** Round trips to Redis made, and requests they answered: how well bursts share them. */
  readonly counts = { checks: 0, requests: 0 };

  constructor(private readonly runtime: () => PageCacheRuntime | null) {}

  judge(entry: ServedEntry): Verdict | Promise<Verdict> {
    const runtime = this.runtime();
    if (!runtime) return 'unsure';
    // Next's own IncrementalCache consults this manifest too: where it would refuse, so do we.
    if (manifestRefuses(entry.tags, entry.lastModified)) return 'stale';
    if (runtime.mode === 'local') return pastLifetime(entry, Date.now()) ? 'unsure' : 'fresh';
    const store = runtime.store;
    if (!store?.isReady || runtime.resyncing || entry.generation === null) return 'unsure';
    return new Promise((resolve) => {
      this.waiting.push({ entry, resolve });
      // setImmediate, not a microtask: the requests read in the same turn of the event loop join.
      if (!this.checking) {
        this.checking = true;
        setImmediate(() => void this.checkWaiting(store));
      }
    });
  }

  private async checkWaiting(store: SharedStore): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.check(store, batch);
    } catch {
      for (const { resolve } of batch) resolve('unsure');
    } finally {
      if (this.waiting.length > 0) setImmediate(() => void this.checkWaiting(store));
      else this.checking = false;
    }
  }

  private async check(store: SharedStore, batch: Waiting[]): Promise<void> {
    this.counts.checks += 1;
    this.counts.requests += batch.length;
    const first = await store.check([], null);
    const moved: Waiting[] = [];
    for (const waiting of batch) {
      const { entry } = waiting;
      if (entry.generation !== first.generation || pastLifetime(entry, first.now)) waiting.resolve('unsure');
      else if (entry.epoch === first.epoch) waiting.resolve('fresh');
      else moved.push(waiting);
    }
    if (moved.length === 0) return;
    // Something was invalidated since these were last found fresh: were any of their tags?
    const tags = [...new Set(moved.flatMap((waiting) => waiting.entry.tags))];
    if (tags.length > MAX_TAGS_PER_CHECK) {
      for (const { resolve } of moved) resolve('unsure');
      return;
    }
    this.counts.checks += 1;
    const second = await store.check(tags, null);
    const timeOf = new Map(tags.map((tag, i) => [tag, second.times?.[i] ?? 0]));
    for (const { entry, resolve } of moved) {
      if (entry.generation !== second.generation) resolve('unsure');
      else if (entry.tags.some((tag) => (timeOf.get(tag) ?? 0) >= entry.lastModified)) resolve('stale');
      else {
        entry.epoch = second.epoch;
        resolve('fresh');
      }
    }
  }
}
