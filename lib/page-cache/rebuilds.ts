import { createHash } from 'node:crypto';
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

/**
 * What a rebuild needs to know of the entry it replaces — not the entry itself: holding the pages
 * (their HTML, RSC payload and segments) for every key seen would keep most of the site in memory
 * once a crawler has been through it.
 */
interface KnownEntry {
  page: string;
  /** The value last seen for the key, while something else holds it: a hit on it derives nothing again. */
  value: WeakRef<IncrementalCacheValue>;
  /** Its content tags (implicit path tags left out). */
  tags: string[];
  /** A digest of its body, render marker aside; null for a value with no body. */
  digest: string | null;
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
/**
 * Causes wait only for renders under way. A render that is never stored (a 404, a failure) leaves
 * its cause behind: past this many, the oldest go first.
 */
const MAX_PENDING = 1_000;
const RENDER_MARKER =
  /<meta name="x-generated-at" content="[^"]*"\s*\/?>|<!-- x-generated-at: \S+ -->|\\?"x-generated-at\\?",\\?"content\\?":\\?"[^"\\]*\\?"/g;

/** The statistics' name of the page a cache key stands for; 404s are all one page, "(not found)". */
export function pageOfKey(key: string, status: number | undefined): string {
  if (status === 404) return '(not found)';
  return pagePathOf(pathOfCacheKey(key));
}

const contentTagsOf = (value: IncrementalCacheValue | null | undefined) =>
  entryTags(value).filter((tag) => !isImplicitTag(tag));

/** Two bodies with the same digest are the same page, render marker aside. */
export function bodyDigest(value: IncrementalCacheValue | null | undefined): string | null {
  // An image (a post's card) is bytes: read as text, different images could come out the same.
  if (value?.kind === 'APP_ROUTE' && /^image\//i.test(String(value.headers?.['content-type'] ?? '')))
    return createHash('sha1').update(value.body).digest('base64');
  const body = entryBody(value);
  return body === null ? null : createHash('sha1').update(body.replace(RENDER_MARKER, '')).digest('base64');
}

function knownEntry(
  key: string,
  value: IncrementalCacheValue,
  lastModified: number,
  revalidate: number | null,
): KnownEntry {
  return {
    page: pageOfKey(key, entryStatus(value)),
    value: new WeakRef(value),
    tags: contentTagsOf(value),
    digest: bodyDigest(value),
    lastModified,
    revalidate,
  };
}

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
        previous && previous.value.deref() === value && previous.lastModified === lastModified
          ? previous
          : this.rememberRead(key, value, lastModified, revalidate, previous);
      // Served stale, Next renders again in the background: that rebuild is due to the lifetime.
      if (entry.revalidate !== null && entry.lastModified + entry.revalidate * 1000 < now) {
        this.pending(key, { cause: 'expired', tags: [], events: [] });
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
        if (reason.previous) this.remember(key, knownEntry(key, reason.previous, 0, null));
        const cause: RebuildCause = reason.tags.length > 0 ? 'invalidated' : reason.existed ? 'expired' : 'cold';
        this.pending(key, {
          cause,
          tags: reason.tags.filter((tag) => !isImplicitTag(tag)),
          events: reason.events,
        });
        return;
      }
      if (!previous) {
        this.pending(key, { cause: 'cold', tags: [], events: [] });
        return;
      }
      const why = this.recorder().explainInvalidation(previous.tags, previous.lastModified);
      this.pending(
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
      const previous = this.known.get(key);
      const cause = this.pendingCauses.get(key) ?? { cause: previous ? 'expired' : 'cold', tags: [], events: [] };
      this.pendingCauses.delete(key);
      const entry = knownEntry(key, data, lastModified, typeof revalidate === 'number' ? revalidate : null);
      const wasted = previous?.digest != null && entry.digest !== null && previous.digest === entry.digest;
      this.recorder().recordRebuild({
        page: entry.page,
        cause: cause.cause,
        tags: cause.tags,
        events: cause.events,
        wasted,
      });
      this.remember(key, entry);
    });
  }

  /** A render's result was not kept (an error page, a render that raced an invalidation): no rebuild to record. */
  discarded(key: string): void {
    this.pendingCauses.delete(key);
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
    const entry = knownEntry(key, value, lastModified, typeof revalidate === 'number' ? revalidate : null);
    entry.revalidate ??= previous?.revalidate ?? this.manifestRevalidate(entry.page);
    this.remember(key, entry);
    return entry;
  }

  private pending(key: string, cause: PendingCause): void {
    this.pendingCauses.delete(key);
    this.pendingCauses.set(key, cause);
    if (this.pendingCauses.size > MAX_PENDING) {
      const oldest = this.pendingCauses.keys().next().value;
      if (oldest !== undefined) this.pendingCauses.delete(oldest);
    }
  }

  /** How many keys this observer remembers something for (entries, causes waiting for their render). */
  get sizes(): { known: number; pendingCauses: number } {
    return { known: this.known.size, pendingCauses: this.pendingCauses.size };
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
