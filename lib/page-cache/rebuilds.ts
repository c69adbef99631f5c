import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InvalidationEvent } from '@/db/schema';
import { pagePathOf } from '@/lib/stats/keys';
import type { StatsRecorder } from '@/lib/stats/recorder';
import type { RebuildCause } from '@/lib/stats/types';
import {
  entryBody,
  entryStatus,
  entryTags,
  isImplicitTag,
  pathOfCacheKey,
  type IncrementalCacheValue,
} from './next-internals';

/*
 * Watches the page cache's reads and writes to say why every rebuild happened, and whether it was
 * wasted. Requests are counted elsewhere (server/serve.ts): Next answers concurrent requests for a
 * page with one cache read, so counting reads here would undercount. What only the cache handler
 * sees is which entry a render replaced, which tags had been invalidated since that entry was made,
 * and whether the new HTML differs from the old.
 */

interface KnownEntry {
  page: string;
  /** The entry as the cache holds it. Its tags and body are derived only when a rebuild needs them. */
  value: IncrementalCacheValue;
  lastModified: number;
  revalidate: number | null;
}

interface PendingCause {
  cause: RebuildCause;
  tags: string[];
  events: InvalidationEvent[];
}

/** Why a read found no usable entry, as the shared store knows it across servers. */
export interface MissReason {
  /** The entry's tags invalidated after it was made (empty: none, it expired or never existed). */
  tags: string[];
  events: InvalidationEvent[];
  /** An entry existed (in any server's cache) before this miss. */
  existed: boolean;
  /** That entry, when at hand: a rebuild identical to it was wasted. */
  previous?: IncrementalCacheValue;
}

const MAX_KNOWN = 20_000;
const RENDER_MARKER =
  /<meta name="x-generated-at" content="[^"]*"\s*\/?>|<!-- x-generated-at: \S+ -->|\\?"x-generated-at\\?",\\?"content\\?":\\?"[^"\\]*\\?"/g;

/** The statistics' name of the page a cache key stands for; 404s are all one page, "(not found)". */
export function pageOfKey(key: string, status: number | undefined): string {
  if (status === 404) return '(not found)';
  return pagePathOf(pathOfCacheKey(key));
}

const contentTagsOf = (value: IncrementalCacheValue | null | undefined) =>
  entryTags(value).filter((tag) => !isImplicitTag(tag));

const sameIgnoringMarker = (a: string, b: string) => a.replace(RENDER_MARKER, '') === b.replace(RENDER_MARKER, '');

/** Statistics must never break serving: every observation swallows (and logs) its own failure. */
function guarded(what: string, work: () => void): void {
  try {
    work();
  } catch (error) {
    console.error(`[stats] could not ${what}`, error);
  }
}

export class RebuildObserver {
  private readonly known = new Map<string, KnownEntry>();
  private readonly pendingCauses = new Map<string, PendingCause>();
  private prerenderRevalidate: Map<string, number> | null = null;
  /** Where the build is, for the lifetimes `next build` gave prerendered pages: known from Next's first handler context. */
  serverDistDir: string | undefined;

  constructor(private readonly recorder: () => StatsRecorder) {}

  /** A read that returned an entry. */
  served(
    key: string,
    value: IncrementalCacheValue,
    lastModified: number,
    revalidate: number | false | undefined,
    now = Date.now(),
  ): void {
    guarded('classify a cache read', () => {
      const previous = this.known.get(key);
      // The common case, a hit on the entry already known: nothing to derive again.
      const entry =
        previous && previous.value === value && previous.lastModified === lastModified
          ? previous
          : this.rememberRead(key, value, lastModified, revalidate, previous);
      // Served stale, Next renders again in the background: that rebuild is due to the lifetime.
      if (entry.revalidate !== null && entry.lastModified + entry.revalidate * 1000 < now) {
        this.pendingCauses.set(key, { cause: 'expired', tags: [], events: [] });
      }
    });
  }

  /**
   * A read that found no usable entry. Without a reason (one process on Next's own cache) the cause
   * is derived from this process's own record of invalidations.
   */
  missed(key: string, reason?: MissReason): void {
    guarded('classify a cache miss', () => {
      const previous = this.known.get(key);
      if (reason) {
        if (reason.previous)
          this.remember(key, {
            page: pageOfKey(key, entryStatus(reason.previous)),
            value: reason.previous,
            lastModified: 0,
            revalidate: null,
          });
        const cause: RebuildCause = reason.tags.length > 0 ? 'invalidated' : reason.existed ? 'expired' : 'cold';
        this.pendingCauses.set(key, {
          cause,
          tags: reason.tags.filter((tag) => !isImplicitTag(tag)),
          events: reason.events,
        });
        return;
      }
      if (!previous) {
        this.pendingCauses.set(key, { cause: 'cold', tags: [], events: [] });
        return;
      }
      const why = this.recorder().explainInvalidation(contentTagsOf(previous.value), previous.lastModified);
      this.pendingCauses.set(
        key,
        why.tags.length > 0 ? { cause: 'invalidated', ...why } : { cause: 'expired', tags: [], events: [] },
      );
    });
  }

  /** A render's result was stored. */
  wrote(
    key: string,
    data: IncrementalCacheValue,
    revalidate: number | false | undefined,
    lastModified = Date.now(),
  ): void {
    guarded('record a rebuild', () => {
      const page = pageOfKey(key, entryStatus(data));
      const previous = this.known.get(key);
      const cause = this.pendingCauses.get(key) ?? { cause: previous ? 'expired' : 'cold', tags: [], events: [] };
      this.pendingCauses.delete(key);
      const before = previous ? entryBody(previous.value) : null;
      const after = entryBody(data);
      const wasted = before !== null && after !== null && sameIgnoringMarker(before, after);
      this.recorder().recordRebuild({ page, cause: cause.cause, tags: cause.tags, events: cause.events, wasted });
      this.remember(key, {
        page,
        value: data,
        lastModified,
        revalidate: typeof revalidate === 'number' ? revalidate : null,
      });
    });
  }

  /** Another server's render answered this read: one rebuild fewer than without the lock. */
  avoided(key: string, value: IncrementalCacheValue): void {
    guarded('record an avoided rebuild', () => {
      this.pendingCauses.delete(key);
      this.recorder().recordAvoidedRebuild(pageOfKey(key, entryStatus(value)));
    });
  }

  private rememberRead(
    key: string,
    value: IncrementalCacheValue,
    lastModified: number,
    revalidate: number | false | undefined,
    previous: KnownEntry | undefined,
  ): KnownEntry {
    const page = pageOfKey(key, entryStatus(value));
    const entry = {
      page,
      value,
      lastModified,
      revalidate:
        (typeof revalidate === 'number' ? revalidate : null) ?? previous?.revalidate ?? this.manifestRevalidate(page),
    };
    this.remember(key, entry);
    return entry;
  }

  private remember(key: string, entry: KnownEntry): void {
    this.known.delete(key);
    this.known.set(key, entry);
    // Oldest first: a flood of one-off 404 paths must not grow this without end.
    if (this.known.size > MAX_KNOWN) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  /** The lifetime `next build` gave prerendered pages; entries written since carry their own. */
  private manifestRevalidate(page: string): number | null {
    if (this.prerenderRevalidate === null) {
      this.prerenderRevalidate = new Map();
      try {
        const manifest = JSON.parse(
          readFileSync(path.join(this.serverDistDir ?? '', '..', 'prerender-manifest.json'), 'utf8'),
        ) as {
          routes?: Record<string, { initialRevalidateSeconds?: number | false }>;
        };
        for (const [route, entry] of Object.entries(manifest.routes ?? {})) {
          if (typeof entry.initialRevalidateSeconds === 'number')
            this.prerenderRevalidate.set(route, entry.initialRevalidateSeconds);
        }
      } catch {
        // Without a manifest nothing is known to be stale until it is rewritten; misses still count.
      }
    }
    return this.prerenderRevalidate.get(page) ?? null;
  }
}
