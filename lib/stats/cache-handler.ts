import { readFileSync } from 'node:fs';
import path from 'node:path';
import FileSystemCacheModule from 'next/dist/server/lib/incremental-cache/file-system-cache.js';
import type { CacheHandler, CacheHandlerContext, CacheHandlerValue } from 'next/dist/server/lib/incremental-cache';
import type { IncrementalCacheValue } from 'next/dist/server/response-cache';
import { pagePathOf } from './keys';
import { getRecorder } from './runtime';
import type { InvalidationEventSummary, RebuildCause } from './types';

/*
 * Next's own file-system page cache, wrapped to see every rebuild and say why it happened.
 * Requests are counted elsewhere (scripts/serve.ts): Next answers concurrent requests for a page
 * with one cache read, so counting reads here would undercount. What only this layer sees is
 * which entry a render replaced, which tags had been invalidated since that entry was made, and
 * whether the new HTML differs from the old.
 *
 * Next builds this bundle to .freshpress/cache-handler.mjs (scripts/build.ts) and constructs the
 * class per request, so everything that must outlive a request lives at module scope.
 */

type Handler = InstanceType<typeof CacheHandler>;
type GetContext = Parameters<Handler['get']>[1];
type SetContext = Parameters<Handler['set']>[2];

// The module is CommonJS; loaded from an ES module its class sits on `default` once or twice.
const FileSystemCache = ((FileSystemCacheModule as unknown as { default?: unknown }).default ?? FileSystemCacheModule) as unknown as new (
  ctx: CacheHandlerContext,
) => Handler;

interface KnownEntry {
  page: string;
  /**
   * The entry as the cache holds it (keeping the reference costs nothing). Its tags and body are
   * derived only when a rebuild needs them, never on the hit path.
   */
  value: IncrementalCacheValue;
  lastModified: number;
  revalidate: number | null;
}

interface PendingCause {
  cause: RebuildCause;
  tags: string[];
  events: InvalidationEventSummary[];
}

const MAX_KNOWN = 20_000;
const known = new Map<string, KnownEntry>();
const pendingCauses = new Map<string, PendingCause>();
let prerenderRevalidate: Map<string, number> | null = null;

const PAGE_KINDS = new Set(['APP_PAGE', 'APP_ROUTE']);
// Next's implicit per-path tags say where a page lives, not what it depends on.
const IMPLICIT_TAG = /^_N_T_/;
const RENDER_MARKER = /<meta name="x-generated-at" content="[^"]*"\s*\/?>|<!-- x-generated-at: \S+ -->|\\?"x-generated-at\\?",\\?"content\\?":\\?"[^"\\]*\\?"/g;

function pageOfKey(key: string, status: number | undefined): string {
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

function statusOf(value: IncrementalCacheValue | null | undefined): number | undefined {
  return value && (value.kind === 'APP_PAGE' || value.kind === 'APP_ROUTE') ? value.status : undefined;
}

function tagsOf(value: IncrementalCacheValue | null | undefined): string[] {
  const header = value && (value.kind === 'APP_PAGE' || value.kind === 'APP_ROUTE') ? value.headers?.['x-next-cache-tags'] : undefined;
  return typeof header === 'string' ? header.split(',').filter((tag) => tag !== '' && !IMPLICIT_TAG.test(tag)) : [];
}

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

export default class StatsCacheHandler {
  private readonly inner: Handler;
  private readonly serverDistDir: string | undefined;

  constructor(ctx: CacheHandlerContext) {
    this.inner = new FileSystemCache(ctx);
    this.serverDistDir = ctx.serverDistDir;
  }

  async get(key: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
    const data = await this.inner.get(key, ctx);
    if (!PAGE_KINDS.has(ctx.kind)) return data;
    try {
      this.observeRead(key, data);
    } catch (error) {
      // Statistics must never break serving.
      console.error('[stats] could not classify a cache read', error);
    }
    return data;
  }

  async set(key: string, data: IncrementalCacheValue | null, ctx: SetContext): Promise<void> {
    await this.inner.set(key, data, ctx);
    if (!data || !PAGE_KINDS.has(data.kind)) return;
    try {
      this.observeWrite(key, data, 'cacheControl' in ctx ? ctx.cacheControl?.revalidate : undefined);
    } catch (error) {
      console.error('[stats] could not record a rebuild', error);
    }
  }

  async revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void> {
    await this.inner.revalidateTag(tags, durations);
    getRecorder().noteTagsExpired(typeof tags === 'string' ? [tags] : tags);
  }

  resetRequestCache(): void {
    this.inner.resetRequestCache();
  }

  private observeRead(key: string, data: CacheHandlerValue | null): void {
    const previous = known.get(key);
    if (data?.value) {
      // The common case, a hit on the entry already known: nothing to derive again.
      const entry =
        previous && previous.value === data.value && previous.lastModified === data.lastModified
          ? previous
          : this.rememberRead(key, data.value, data.lastModified, data.cacheControl?.revalidate, previous);
      // Served stale, Next renders again in the background: that rebuild is due to the lifetime.
      if (entry.revalidate !== null && entry.lastModified + entry.revalidate * 1000 < Date.now()) {
        pendingCauses.set(key, { cause: 'expired', tags: [], events: [] });
      }
      return;
    }
    if (!previous) {
      pendingCauses.set(key, { cause: 'cold', tags: [], events: [] });
      return;
    }
    const why = getRecorder().explainInvalidation(tagsOf(previous.value), previous.lastModified);
    pendingCauses.set(key, why.tags.length > 0 ? { cause: 'invalidated', ...why } : { cause: 'expired', tags: [], events: [] });
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

  private observeWrite(key: string, data: IncrementalCacheValue, revalidate: number | false | undefined): void {
    const page = pageOfKey(key, statusOf(data));
    const previous = known.get(key);
    const cause = pendingCauses.get(key) ?? { cause: previous ? 'expired' : 'cold', tags: [], events: [] };
    pendingCauses.delete(key);
    const before = previous ? bodyOf(previous.value) : null;
    const after = bodyOf(data);
    const wasted = before !== null && after !== null && sameIgnoringMarker(before, after);
    getRecorder().recordRebuild({ page, cause: cause.cause, tags: cause.tags, events: cause.events, wasted });
    remember(key, { page, value: data, lastModified: Date.now(), revalidate: typeof revalidate === 'number' ? revalidate : null });
  }
}
