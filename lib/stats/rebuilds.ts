import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncrementalCacheValue } from 'next/dist/server/response-cache';
import { pagePathOf } from './keys';
import { getRecorder } from './runtime';
import type { InvalidationEvent, RebuildCause } from './types';

/*
 * Watches the page cache's reads and writes to say why every rebuild happened, and whether it was
 * wasted. Requests are counted elsewhere (scripts/serve.ts): Next answers concurrent requests for a
 * page with one cache read, so counting reads here would undercount. What only the cache handler
 * sees is which entry a render replaced, which tags had been invalidated since that entry was made,
 * and whether the new HTML differs from the old.
 *
 * Next constructs the cache handler per request, so this state lives at module scope.
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
const known = new Map<string, KnownEntry>();
const pendingCauses = new Map<string, PendingCause>();
let prerenderRevalidate: Map<string, number> | null = null;

export const PAGE_KINDS = new Set(['APP_PAGE', 'APP_ROUTE']);
// Next's implicit per-path tags say where a page lives, not what it depends on.
const IMPLICIT_TAG = /^_N_T_/;
const RENDER_MARKER = /<meta name="x-generated-at" content="[^"]*"\s*\/?>|<!-- x-generated-at: \S+ -->|\\?"x-generated-at\\?",\\?"content\\?":\\?"[^"\\]*\\?"/g;

export function pageOfKey(key: string, status: number | undefined): string {
  if (status === 404) return '(not found)';
  const index = key.indexOf('/$/');
  return pagePathOf(index === -1 ? key : key.slice(index + 2));
}

function bodyOf(value: IncrementalCacheValue | null | undefined): string | null {
  if (!value) return null;
  if (value.kind === 'APP_PAGE') return typeof value.html === 'string' ? value.html : String(value.html);
  if (value.kind === 'APP_ROUTE') return Buffer.isBuffer(value.body) ? value.body.toString('utf8') : String(value.body);
  return null;
}

export function statusOf(value: IncrementalCacheValue | null | undefined): number | undefined {
  return value && (value.kind === 'APP_PAGE' || value.kind === 'APP_ROUTE') ? value.status : undefined;
}

/** Every tag a page entry carries (x-next-cache-tags), implicit path tags included. */
export function pageTagsOf(value: IncrementalCacheValue | null | undefined): string[] {
  const header = value && (value.kind === 'APP_PAGE' || value.kind === 'APP_ROUTE') ? value.headers?.['x-next-cache-tags'] : undefined;
  return typeof header === 'string' ? header.split(',').filter((tag) => tag !== '') : [];
}

const contentTagsOf = (value: IncrementalCacheValue | null | undefined) => pageTagsOf(value).filter((tag) => !IMPLICIT_TAG.test(tag));

/** The lifetime `next build` gave prerendered pages; entries written since carry their own. */
function manifestRevalidate(serverDistDir: string | undefined, page: string): number | null {
  if (prerenderRevalidate === null) {
    prerenderRevalidate = new Map();
    try {
      const manifest = JSON.parse(readFileSync(path.join(serverDistDir ?? '', '..', 'prerender-manifest.json'), 'utf8')) as {
        routes?: Record<string, { initialRevalidateSeconds?: number | false }>;
      };
      for (const [route, entry] of Object.entries(manifest.routes ?? {})) {
        if (typeof entry.initialRevalidateSeconds === 'number') prerenderRevalidate.set(route, entry.initialRevalidateSeconds);
      }
    } catch {
      // Without a manifest nothing is known to be stale until it is rewritten; misses still count.
    }
  }
  return prerenderRevalidate.get(page) ?? null;
}

function remember(key: string, entry: KnownEntry): void {
  known.delete(key);
  known.set(key, entry);
  // Oldest first: a flood of one-off 404 paths must not grow this without end.
  if (known.size > MAX_KNOWN) {
    const oldest = known.keys().next().value;
    if (oldest !== undefined) known.delete(oldest);
  }
}

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
  constructor(private readonly serverDistDir: string | undefined) {}

  /** A read that returned an entry. */
  served(key: string, value: IncrementalCacheValue, lastModified: number, revalidate: number | false | undefined, now = Date.now()): void {
    guarded('classify a cache read', () => {
      const previous = known.get(key);
      // The common case, a hit on the entry already known: nothing to derive again.
      const entry =
        previous && previous.value === value && previous.lastModified === lastModified
          ? previous
          : this.rememberRead(key, value, lastModified, revalidate, previous);
      // Served stale, Next renders again in the background: that rebuild is due to the lifetime.
      if (entry.revalidate !== null && entry.lastModified + entry.revalidate * 1000 < now) {
        pendingCauses.set(key, { cause: 'expired', tags: [], events: [] });
      }
    });
  }

  /**
   * A read that found no usable entry. Without a reason (one process on Next's own cache) the cause
   * is derived from this process's own record of invalidations.
   */
  missed(key: string, reason?: MissReason): void {
    guarded('classify a cache miss', () => {
      const previous = known.get(key);
      if (reason) {
        if (reason.previous) remember(key, { page: pageOfKey(key, statusOf(reason.previous)), value: reason.previous, lastModified: 0, revalidate: null });
        const cause: RebuildCause = reason.tags.length > 0 ? 'invalidated' : reason.existed ? 'expired' : 'cold';
        pendingCauses.set(key, { cause, tags: reason.tags.filter((tag) => !IMPLICIT_TAG.test(tag)), events: reason.events });
        return;
      }
      if (!previous) {
        pendingCauses.set(key, { cause: 'cold', tags: [], events: [] });
        return;
      }
      const why = getRecorder().explainInvalidation(contentTagsOf(previous.value), previous.lastModified);
      pendingCauses.set(key, why.tags.length > 0 ? { cause: 'invalidated', ...why } : { cause: 'expired', tags: [], events: [] });
    });
  }

  /** A render's result was stored. */
  wrote(key: string, data: IncrementalCacheValue, revalidate: number | false | undefined, lastModified = Date.now()): void {
    guarded('record a rebuild', () => {
      const page = pageOfKey(key, statusOf(data));
      const previous = known.get(key);
      const cause = pendingCauses.get(key) ?? { cause: previous ? 'expired' : 'cold', tags: [], events: [] };
      pendingCauses.delete(key);
      const before = previous ? bodyOf(previous.value) : null;
      const after = bodyOf(data);
      const wasted = before !== null && after !== null && sameIgnoringMarker(before, after);
      getRecorder().recordRebuild({ page, cause: cause.cause, tags: cause.tags, events: cause.events, wasted });
      remember(key, { page, value: data, lastModified, revalidate: typeof revalidate === 'number' ? revalidate : null });
    });
  }

  /** Another server's render answered this read: one rebuild fewer than without the lock. */
  avoided(key: string, value: IncrementalCacheValue): void {
    guarded('record an avoided rebuild', () => {
      pendingCauses.delete(key);
      getRecorder().recordAvoidedRebuild(pageOfKey(key, statusOf(value)));
    });
  }

  private rememberRead(
    key: string,
    value: IncrementalCacheValue,
    lastModified: number,
    revalidate: number | false | undefined,
    previous: KnownEntry | undefined,
  ): KnownEntry {
    const page = pageOfKey(key, statusOf(value));
    const entry = {
      page,
      value,
      lastModified,
      revalidate: (typeof revalidate === 'number' ? revalidate : null) ?? previous?.revalidate ?? manifestRevalidate(this.serverDistDir, page),
    };
    remember(key, entry);
    return entry;
  }
}
